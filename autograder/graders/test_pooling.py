"""Hidden tests for pooling.py: pool_forward in max and average modes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from autograder.grading.expect import expect_close
from autograder.grading.misconceptions import diagnose
from autograder.grading.support import (
    course_rng,
    describe_call,
    expect_value_error,
    fixed_rng,
    second_question,
    small_values,
)
from autograder.grading.validate import as_array
from autograder.grading.variants import pool_variants

pytestmark = pytest.mark.exercise("pooling")
MODULE = "pooling"


@dataclass(frozen=True)
class PoolCase:
    id: str
    input_shape: tuple[int, int, int, int]
    # Only the arguments given here are passed, so the defaults are exercised too.
    kwargs: dict[str, Any] = field(default_factory=dict)


# Smallest first, so the first failure a student reads is the easiest to redo by hand.
CASES = [
    PoolCase("max-2x2-defaults", (1, 4, 4, 1)),
    PoolCase("average-same-odd", (1, 5, 5, 1), {"pool_size": 2, "mode": "average",
                                                "padding": "same"}),
    PoolCase("max-same-odd", (1, 5, 5, 1), {"pool_size": 2, "padding": "same"}),
    PoolCase("average-int-padding", (1, 4, 5, 2),
             {"pool_size": 3, "stride": 2, "mode": "average", "padding": 1}),
    PoolCase("max-stride-larger-than-pool", (1, 7, 7, 1), {"pool_size": 2, "stride": 3}),
    PoolCase("average-taller-than-wide", (1, 6, 5, 1),
             {"pool_size": (3, 2), "stride": (2, 1), "mode": "average"}),
    PoolCase("max-3x3-stride-1-batch-3", (3, 5, 5, 2), {"pool_size": 3, "stride": 1}),
]
# The second question: an input on which the known mistakes all give different answers.
PROBE_SHAPE = (1, 7, 6, 2)


def check_pool(student, reference, A: np.ndarray, kwargs: dict[str, Any]) -> None:
    """Compare one pool_forward call with the reference, diagnosing a wrong answer."""
    pool = reference[MODULE].pool_forward
    expected = pool(A, **kwargs)
    got = as_array(student.call(MODULE, "pool_forward", A, **kwargs), name="pool_forward")
    full = {"pool_size": 2, "stride": None, "mode": "max", "padding": "valid", **kwargs}
    args = (full["pool_size"], full["stride"], full["mode"], full["padding"])
    # An int padding must stay below the probe's (3, 2) window.
    padding = full["padding"] if isinstance(full["padding"], str) else min(full["padding"], 1)
    probe = (distinct_values(fixed_rng("pool-probe"), PROBE_SHAPE), (3, 2), (2, 1),
             full["mode"], padding)
    again = second_question(
        student, MODULE, "pool_forward", [(probe, {})],
        expected=lambda *a: pool(*a),
        variants=lambda *a: pool_variants(pool, *a),
        validate=lambda value: as_array(value, name="pool_forward"),
    )
    expect_close(
        got,
        expected,
        what="pool_forward",
        case=describe_call("pool_forward", A, **kwargs),
        diagnose=lambda value: diagnose(
            value,
            pool_variants(pool, A, *args),
            expected=expected,
            again=again,
        ),
        inputs={"A_prev": A},
    )


def distinct_values(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Small values without ties, so that max and average never agree by chance."""
    return small_values(rng, shape)


@pytest.mark.points(1.5)
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_pool_forward_cases(student, reference, case):
    """pool_forward matches TensorFlow's pooling"""
    A = distinct_values(fixed_rng("pool", case.id), case.input_shape)
    check_pool(student, reference, A, case.kwargs)


@pytest.mark.points(3)
def test_pool_forward_random(student, reference, request):
    """pool_forward matches on random shapes, windows, strides, modes and paddings"""
    rng, calls = course_rng(request), []
    for _ in range(2):
        window = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        shape = (
            int(rng.integers(1, 4)),
            int(rng.integers(window[0], 9)),
            int(rng.integers(window[1], 9)),
            int(rng.integers(1, 4)),
        )
        kwargs: dict[str, Any] = {
            "pool_size": window if rng.integers(0, 2) else window[0],
            "mode": ["max", "average"][int(rng.integers(0, 2))],
            "padding": ["valid", "same"][int(rng.integers(0, 2))],
        }
        if rng.integers(0, 2):
            kwargs["stride"] = (int(rng.integers(1, 4)), int(rng.integers(1, 3)))
        if kwargs["pool_size"] == window[0]:
            shape = (shape[0], max(shape[1:3]), max(shape[1:3]), shape[3])
        calls.append((distinct_values(rng, shape), kwargs))
    for A, kwargs in sorted(calls, key=lambda c: c[0].size):
        check_pool(student, reference, A, kwargs)


@pytest.mark.points(0.5)
@pytest.mark.parametrize(
    "kwargs",
    [{"mode": "median"}, {"stride": 0}, {"padding": "full"}],
    ids=["unknown-mode", "stride-0", "unknown-padding"],
)
def test_pool_forward_rejects_bad_arguments(student, kwargs):
    """pool_forward raises ValueError for a bad mode, stride or padding"""
    expect_value_error(student, MODULE, "pool_forward", np.ones((1, 4, 4, 1)), 2, **kwargs)
