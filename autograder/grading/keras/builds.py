"""Model builds a grader keeps: the reference's per grader process, a student's per submission.

A build is found by its call (``ModelCall``: the builder and its arguments),
never by a text key, so a grader cannot mistype one or collide with another's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from autograder.grading.keras.describe import CompileSpec, LayerSpec, compile_spec, describe_model
from autograder.sandbox.proxy import KerasModelData


@dataclass(frozen=True)
class ModelCall:
    """One call of a model builder: its name, positional and keyword arguments."""

    builder: str
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()  # sorted by name

    @classmethod
    def of(cls, builder: str, args: tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None):
        """The call ``builder(*args, **kwargs)``."""
        return cls(builder, tuple(args), tuple(sorted((kwargs or {}).items())))

    @property
    def keywords(self) -> dict[str, Any]:
        """The keyword arguments as a fresh dict."""
        return dict(self.kwargs)


@dataclass(frozen=True)
class ReferenceModel:
    """The reference model for one call, described once per grader process."""

    layers: tuple[LayerSpec, ...]
    compile: CompileSpec
    params: int
    input_shape: tuple[int, ...]
    # As JSON text, never a shared dict: each training gets its own fresh copy.
    compile_json: str

    @property
    def compile_config(self) -> dict[str, Any]:
        """The reference's compile config, a fresh copy each time."""
        return json.loads(self.compile_json)


class ReferenceModels:
    """The reference's models described so far in this grader process, by call."""

    def __init__(self) -> None:
        self._described: dict[ModelCall, ReferenceModel] = {}

    def get(self, module: ModuleType, call: ModelCall) -> ReferenceModel:
        """The reference model ``module.<builder>(...)``, built and described on first use."""
        found = self._described.get(call)
        if found is None:
            model = getattr(module, call.builder)(*call.args, **call.keywords)
            spec = compile_spec(model.get_compile_config())
            if spec is None:
                raise AssertionError(f"reference {call.builder} is not compiled")
            found = ReferenceModel(
                tuple(describe_model(model)), spec, int(model.count_params()),
                tuple(model.input_shape[1:]),
                json.dumps(model.get_compile_config(), default=str),
            )
            self._described[call] = found
        return found


class StudentModels:
    """The models one submission's builders returned, by call: each built once in the sandbox."""

    def __init__(self) -> None:
        self._built: dict[ModelCall, KerasModelData] = {}

    def get(self, call: ModelCall) -> KerasModelData | None:
        """The model this call returned earlier in the submission, or None."""
        return self._built.get(call)

    def keep(self, call: ModelCall, model: KerasModelData) -> None:
        """Remember the model ``call`` returned, for the submission's other tests."""
        self._built[call] = model
