"""``import keras`` in a notebook binds a stand-in that loads Keras on first use.

Importing Keras imports TensorFlow, which takes seconds. The model notebook's
first cell says ``import keras`` (as ``model.py`` does, and as grading needs),
so without this a student who only opens the notebook, or runs every cell of
an untouched assignment, pays that import for nothing. The stand-in is a module
object whose missing attributes load the real package and forward to it.

``importlib.util.LazyLoader`` does not fit: on Python 3.11 the ``import``
statement itself reads the module's ``__spec__``, and any attribute read
makes a LazyLoader module load at once. The stand-in carries the real spec as
a plain attribute and has no ``__path__``, so ``import keras`` returns it
untouched, while ``from keras import layers`` and ``import keras.layers`` ask
for a missing attribute and load the real package first.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType
from typing import Any

from autograder.sandbox.tf_env import quiet_tensorflow

NAME = "keras"


class LazyModule(ModuleType):
    """Stands for a package in ``sys.modules`` until one of its attributes is used."""

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self._load(), attribute)

    def __dir__(self) -> list[str]:
        return dir(self._load())

    def _load(self) -> ModuleType:
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        try:
            return importlib.import_module(self.__name__)
        except BaseException:
            sys.modules.setdefault(self.__name__, self)  # a failed import can be retried
            raise


def install(name: str = NAME) -> bool:
    """Put a stand-in for ``name`` in ``sys.modules``; False when it is imported or absent."""
    spec = importlib.util.find_spec(name) if name not in sys.modules else None
    if spec is None:
        return False
    quiet_tensorflow()
    stand_in = LazyModule(name, f"{name}, loaded when first used")
    stand_in.__spec__ = spec  # find_spec(name) keeps answering without loading anything
    sys.modules[name] = stand_in
    return True


def loaded(name: str = NAME) -> bool:
    """Whether the real package has been imported."""
    return name in sys.modules and not isinstance(sys.modules[name], LazyModule)
