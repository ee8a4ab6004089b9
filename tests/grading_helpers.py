"""Run hidden graders in-process against module dictionaries, for the engine's own tests."""

from __future__ import annotations

import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autograder.modules import load_module_group
from autograder.paths import STUDENT_MODULES, course
from autograder.plugin import GRADERS_DIR, GraderState, GradingOptions, run_graders
from autograder.proxy import MissingCode, StudentRaised
from autograder.results import TestOutcome
from autograder.sandbox.local import round_trip

NUMPY_MODULES = ("convolution", "pooling", "shapes", "params")


class ModuleProxy:
    """Calls functions of in-memory modules; values make the same trip as from a sandbox."""

    def __init__(self, modules: dict[str, types.ModuleType]) -> None:
        self.modules = modules
        self.calls = 0

    def call(self, module: str, function: str, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        target = getattr(self.modules.get(module), function, None)
        if target is None:
            raise MissingCode(f"{module}.{function} is missing")
        try:
            value = target(*args, **kwargs)
        except Exception as exc:
            raise StudentRaised(type(exc).__name__, str(exc)) from exc
        return round_trip(value)


def reference_modules(names: tuple[str, ...] = NUMPY_MODULES) -> dict[str, types.ModuleType]:
    group = load_module_group(course().reference, names)
    assert not group.errors, group.errors
    return group.modules


def mutant(
    modules: dict[str, types.ModuleType], module: str, function: str, make: Callable[[Any], Any]
) -> dict[str, types.ModuleType]:
    """A copy of ``modules`` whose ``module.function`` is ``make(original)``."""
    original = modules[module]
    copy = types.ModuleType(original.__name__)
    copy.__dict__.update(original.__dict__)
    setattr(copy, function, make(getattr(original, function)))
    return {**modules, module: copy}


def grade(
    proxy: Any,
    graders: list[str],
    submission_id: str = "student",
    reference: dict[str, types.ModuleType] | None = None,
) -> list[TestOutcome]:
    state = GraderState(reference=reference or reference_modules(),
                        options=GradingOptions(train_models=False))
    paths = [GRADERS_DIR / f"test_{name}.py" for name in graders]
    outcomes, errors = run_graders(proxy, submission_id, state, paths)
    assert not errors, errors
    return outcomes


def grader_paths(names: tuple[str, ...]) -> list[Path]:
    return [GRADERS_DIR / f"test_{name}.py" for name in names]


__all__ = ["STUDENT_MODULES", "ModuleProxy", "grade", "mutant", "reference_modules"]
