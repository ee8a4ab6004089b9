"""The hidden NumPy graders: full marks for the reference, zero for stubs, honest on bad values."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest
from grading_helpers import ModuleProxy, make_mutant, reference_modules, run

from autograder.course.paths import PACKAGE_DIR
from autograder.grading.plugin import GraderState, GradingOptions, run_graders
from autograder.sandbox.proxy import StudentRaised

POINTS = {"convolution": 25, "pooling": 15, "shapes": 15, "params": 15}
CALL_BUDGET = 66


@pytest.fixture(scope="module")
def reference():
    return reference_modules()


class Recorder(ModuleProxy):
    """A proxy that remembers every call's arguments."""

    def __init__(self, modules):
        super().__init__(modules)
        self.log: list[str] = []

    def call(self, module: str, function: str, *args: Any, **kwargs: Any) -> Any:
        shown = [a.tolist() if isinstance(a, np.ndarray) else a for a in args]
        self.log.append(repr((function, shown, kwargs)))
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


class AlwaysEqual:
    """What a cheating submission would like to return: equal to anything."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = object.__hash__


def test_reference_scores_full_marks_within_budget(reference):
    """Every test passes for the reference, with the planned points, few calls and little time."""
    proxy = ModuleProxy(reference)
    started = time.perf_counter()
    outcomes = run(proxy, reference=reference)
    elapsed = time.perf_counter() - started
    for exercise, points in POINTS.items():
        own = [o for o in outcomes if o.exercise == exercise]
        assert sum(o.max_score for o in own) == pytest.approx(points), exercise
        assert all(o.status == "passed" for o in own), [o.output for o in own if o.output]
    assert proxy.calls <= CALL_BUDGET
    assert elapsed < 3.0  # generous: pytest's own start-up dominates and CI machines are noisy


def test_every_function_of_the_spec_is_graded(reference):
    """Each function of the four NumPy modules is called by some hidden test."""
    recorder = Recorder(reference)
    run(recorder, reference=reference)
    called = {eval(entry)[0] for entry in recorder.log}
    assert called == {
        "zero_pad", "conv_single_step", "conv_forward", "apply_filter", "pool_forward",
        "conv_output_size", "conv_output_shape", "pool_output_shape", "flatten_size",
        "dense_params", "conv2d_params", "summarize",
    }


def test_stubs_score_zero_with_the_reason(reference):
    """A stub that raises NotImplementedError earns nothing, and the output says why."""
    outcomes = run(Stub(), reference=reference)
    assert outcomes and sum(o.score for o in outcomes) == 0
    assert all("NotImplementedError" in o.output for o in outcomes)


def test_value_error_tests_need_a_value_error(reference):
    """A function that accepts a bad stride fails only its ValueError test, saying what it did."""
    def lenient(n, f, stride=1, padding="valid"):
        if stride == 0 or (padding not in ("valid", "same") and not isinstance(padding, int)):
            return 0
        return reference["shapes"].conv_output_size(n, f, stride, padding)

    proxy = ModuleProxy(make_mutant(reference, "shapes", "conv_output_size", lenient))
    failed = [o for o in run(proxy, ["shapes"], reference=reference) if o.status == "failed"]
    assert {o.name.split(" [")[1] for o in failed} == {"stride-0]", "unknown-padding]"}
    assert all("should raise ValueError" in o.output for o in failed)


@pytest.mark.parametrize(
    "value",
    [None, "26", float("nan"), np.array([np.nan, 1.0]), np.array(["a"]), [1, "a"], {"x": 1},
     True, 26.0, AlwaysEqual()],
    ids=["none", "string", "nan", "nan-array", "string-array", "mixed-list", "dict", "bool",
         "float", "always-equal"],
)
def test_unusable_values_score_zero_with_a_clear_message(reference, value):
    """Values of the wrong type, with NaN, or that claim to equal anything never pass."""
    outcomes = run(Fixed(value), reference=reference)
    assert sum(o.score for o in outcomes) == 0
    assert all(o.output and "could not check" not in o.output for o in outcomes)


def test_nan_array_message_names_the_problem(reference):
    """An array with NaN is refused before comparison, and the feedback says so."""
    outcomes = run(Fixed(np.full((1, 2, 2, 1), np.nan)), ["pooling"], reference=reference)
    graded = [o for o in outcomes if "ValueError" not in o.name]
    assert graded and all("NaN or infinite" in o.output for o in graded)


def test_every_submission_gets_the_same_cases(reference):
    """Random cases and feedback are the course's: the same for every submission id."""
    wrong = make_mutant(reference, "convolution", "conv_forward",
                        lambda A, W, b, stride=1, padding="valid": np.zeros((1, 1, 1, 1)))
    logs, outputs = [], []
    for sid in ("alice", "alice", "bob"):
        recorder = Recorder(wrong)
        outcomes = run(recorder, ["convolution"], submission_id=sid, reference=reference)
        logs.append(recorder.log)
        outputs.append([(o.name, o.score, o.output, o.tags) for o in outcomes])
    assert logs[0] == logs[1] == logs[2] and outputs[0] == outputs[1] == outputs[2]


PUBLIC = [PACKAGE_DIR / "public" / f"test_public_{name}.py" for name in POINTS]


def _run_public(proxy) -> list:
    state = GraderState(reference={}, options=GradingOptions(train_models=False))
    outcomes, errors = run_graders(proxy, "self-check", state, PUBLIC)
    assert errors == []
    return outcomes


def test_public_tests_pass_on_the_reference_and_fail_on_stubs(reference):
    """Every public NumPy check passes for the reference and fails for a stub, saying why."""
    passed = _run_public(ModuleProxy(reference))
    assert passed and all(o.status == "passed" for o in passed)
    assert {o.exercise for o in passed} == set(POINTS)
    failed = _run_public(Stub())
    assert all(o.status == "failed" and "NotImplementedError" in o.output for o in failed)


def test_public_tests_diagnose_a_flipped_kernel(reference):
    """A public check names the kernel-flipped mistake, without any reference at hand."""
    def flipped(A, W, b, stride=1, padding="valid"):
        return reference["convolution"].conv_forward(A, W[::-1, ::-1], b, stride, padding)

    proxy = ModuleProxy(make_mutant(reference, "convolution", "conv_forward", flipped))
    tags = {t for o in _run_public(proxy) for t in o.tags}
    assert tags == {"misconception:kernel-flipped"}


def test_public_tests_never_mention_the_reference():
    """The public tests ship to students, who have no reference solutions."""
    for path in PUBLIC:
        assert "reference" not in path.read_text(), path.name
