"""``mark`` for the public tests: pytest's own under pytest, a light stand-in otherwise.

Gradescope runs the public tests in a pytest session, where they need pytest's
real marks. A student's ``check`` runs them directly (``autograder.student.runner``)
and should not pay for importing pytest, so when pytest is not loaded the marks
are plain records with the same ``name``, ``args`` and ``kwargs`` that the
runner reads from a test's ``pytestmark`` list.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Mark:
    """One mark, as pytest records it on a test function."""

    name: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    def __call__(self, function: Callable[..., Any]) -> Callable[..., Any]:
        """Used as a decorator: add this mark to the function's ``pytestmark`` list."""
        function.pytestmark = [*getattr(function, "pytestmark", []), self]  # type: ignore[attr-defined]
        return function


class _Marks:
    """``mark.<name>(*args, **kwargs)`` makes a :class:`Mark`."""

    def __getattr__(self, name: str) -> Callable[..., Mark]:
        return lambda *args, **kwargs: Mark(name, args, kwargs)


mark: Any = sys.modules["pytest"].mark if "pytest" in sys.modules else _Marks()
