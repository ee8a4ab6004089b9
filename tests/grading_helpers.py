"""Run hidden graders in-process against module dictionaries, for the engine's own tests."""

from __future__ import annotations

import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autograder.course.paths import course
from autograder.course.table import course_table
from autograder.grading.plugin import GRADERS_DIR, GraderState, GradingOptions, run_graders
from autograder.grading.results import TestOutcome
from autograder.load.modules import load_module_group
from autograder.sandbox.protocol import ProtocolError, decode, encode
from autograder.sandbox.proxy import BadReturn, MissingCode, StudentRaised

NUMPY_MODULES = ("convolution", "pooling", "shapes", "params")
STUDENT_MODULES = course_table().names


class ModuleProxy:
    """Calls functions of in-memory modules; values make the same trip as from a sandbox."""

    def __init__(self, modules: dict[str, types.ModuleType]) -> None:
        self.modules = modules
        self.calls = 0

    def call(self, module: str, function: str, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        if module not in self.modules:
            raise MissingCode(f"{module}.py is missing")
        target = getattr(self.modules[module], function, None)
        if not callable(target):
            raise MissingCode(f"{module}.py has no function {function}")
        try:
            value = target(*args, **kwargs)
        except Exception as exc:
            raise StudentRaised(type(exc).__name__, str(exc)) from exc
        return plain_data(value)


def plain_data(value: Any) -> Any:
    """``value`` as it arrives from a sandboxed child: encoded, arrays copied, decoded."""
    arrays: dict[str, Any] = {}
    try:
        encoded = encode(value, arrays)
        return decode(encoded, {key: array.copy() for key, array in arrays.items()})
    except ProtocolError as exc:
        raise BadReturn(str(exc)) from exc


def reference_modules(names: tuple[str, ...] = NUMPY_MODULES) -> dict[str, types.ModuleType]:
    """The reference solutions, loaded the way the grader loads them."""
    group = load_module_group(course().reference, names)
    assert not group.errors, group.errors
    return group.modules


def make_mutant(
    reference_modules: dict[str, types.ModuleType],
    module: str,
    function: str,
    replacement: Callable[..., Any],
) -> dict[str, types.ModuleType]:
    """A copy of the module dict whose ``module.function`` is ``replacement``.

    Nothing is changed in place: the other functions of ``module`` stay the
    reference's, and the original module object is left alone.
    """
    original = reference_modules[module]
    copy = types.ModuleType(original.__name__)
    copy.__dict__.update(original.__dict__)
    setattr(copy, function, replacement)
    return {**reference_modules, module: copy}


def grader_paths(names: list[str] | tuple[str, ...]) -> list[Path]:
    return [GRADERS_DIR / f"test_{name}.py" for name in names]


def run(
    proxy: Any,
    graders: list[str] | tuple[str, ...] = NUMPY_MODULES,
    submission_id: str = "student",
    reference: dict[str, types.ModuleType] | None = None,
) -> list[TestOutcome]:
    """Outcomes of the named hidden grader files (``convolution`` -> test_convolution.py)."""
    state = GraderState(
        reference=reference or reference_modules(), options=GradingOptions(train_models=False)
    )
    outcomes, errors = run_graders(proxy, submission_id, state, grader_paths(graders))
    assert not errors, errors
    return outcomes


__all__ = [
    "NUMPY_MODULES",
    "STUDENT_MODULES",
    "ModuleProxy",
    "grader_paths",
    "make_mutant",
    "reference_modules",
    "run",
]
