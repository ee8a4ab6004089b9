"""The hidden NumPy graders: full marks for the reference, zero for stubs, honest on bad values."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from grading_helpers import NUMPY_MODULES, ModuleProxy, grade, reference_modules

from autograder.proxy import StudentRaised

POINTS = {"convolution": 25, "pooling": 15, "shapes": 15, "params": 15}


@pytest.fixture(scope="module")
def reference():
    return reference_modules()


class Recorder(ModuleProxy):
    def __init__(self, modules):
        super().__init__(modules)
        self.log: list[str] = []

    def call(self, module: str, function: str, *args: Any, **kwargs: Any) -> Any:
        self.log.append(repr((function, [np.asarray(a).tolist() if isinstance(a, np.ndarray)
                                         else a for a in args], kwargs)))
        return super().call(module, function, *args, **kwargs)


class Fixed:
    """A proxy whose every function returns the same value."""

    def __init__(self, value):
        self.value = value

    def call(self, module, function, *args, **kwargs):
        return self.value


class Stub:
    def call(self, module, function, *args, **kwargs):
        raise StudentRaised("NotImplementedError", f"{function} is not implemented yet")


def test_reference_scores_full_marks_within_the_call_budget(reference):
    """Every test passes for the reference, with the planned points and few calls."""
    proxy = ModuleProxy(reference)
    outcomes = grade(proxy, list(NUMPY_MODULES))
    for exercise, points in POINTS.items():
        own = [o for o in outcomes if o.exercise == exercise]
        assert sum(o.max_score for o in own) == pytest.approx(points), exercise
        assert all(o.status == "passed" for o in own), [o.output for o in own if o.output]
    assert proxy.calls <= 80


def test_stubs_score_zero_with_the_reason(reference):
    """A stub that raises NotImplementedError earns nothing, and the output says why."""
    outcomes = grade(Stub(), list(NUMPY_MODULES))
    earned = [o.name for o in outcomes if o.score > 0]
    assert earned == []
    assert all("NotImplementedError" in o.output or "ValueError" in o.output for o in outcomes)


@pytest.mark.parametrize("value", [None, "26", float("nan"), [1, "a"], {"x": 1}, True],
                         ids=["none", "string", "nan", "mixed-list", "dict", "bool"])
def test_unusable_values_score_zero_with_a_clear_message(value):
    """Values of the wrong type or with NaN never pass and say what was expected."""
    outcomes = grade(Fixed(value), list(NUMPY_MODULES))
    assert sum(o.score for o in outcomes) == 0
    assert all(o.output for o in outcomes)
    assert not any("could not check" in o.output for o in outcomes)


def test_same_submission_same_cases_other_submission_other_cases(reference):
    """Random cases depend only on the submission id."""
    logs = []
    for sid in ("alice", "alice", "bob"):
        recorder = Recorder(reference)
        grade(recorder, ["convolution"], submission_id=sid, reference=reference)
        logs.append(recorder.log)
    assert logs[0] == logs[1]
    assert logs[0] != logs[2]
