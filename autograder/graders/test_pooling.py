"""Hidden tests for pooling.py: pool_forward in max and average modes."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.feedback import as_array, compare
from autograder.grader_support import describe_call, expect_value_error, fixed_rng, small_ints
from autograder.misconceptions import nchw, pair, swap_same_padding

pytestmark = pytest.mark.exercise("pooling")
MODULE = "pooling"

# (id, input shape, pool_size, stride, mode, padding)
CASES = [
    ("max-2x2", (1, 4, 4, 1), 2, None, "max", "valid"),
    ("average-2x2", (1, 4, 4, 1), 2, None, "average", "valid"),
    ("max-3x3-stride-1", (2, 5, 5, 2), 3, 1, "max", "valid"),
    ("average-non-square", (1, 6, 5, 1), (3, 2), (2, 1), "average", "valid"),
    ("max-odd-input", (1, 5, 5, 3), 2, None, "max", "valid"),
    ("max-same", (1, 5, 5, 1), 2, None, "max", "same"),
    ("average-same-stride-2", (1, 5, 5, 2), 3, 2, "average", "same"),
]


def pool_candidates(reference, A, pool_size, stride, mode, padding):
    pool = reference[MODULE].pool_forward

    def build():
        other = "average" if mode == "max" else "max"
        effective = pair(stride if stride is not None else pool_size)
        table = {
            "pool-mode-swapped": pool(A, pool_size, stride, other, padding),
            "stride-ignored": pool(A, pool_size, 1, mode, padding) if effective != (1, 1) else None,
            "channels-first": nchw(pool(A, pool_size, stride, mode, padding)),
        }
        if padding == "same" and mode == "max":
            shifted = swap_same_padding(A, pair(pool_size), effective)
            table["same-padding-wrong"] = pool(shifted, pool_size, stride, mode, "valid")
        return table

    return build


def _check_pool(student, reference, A, pool_size, stride, mode, padding):
    kwargs = {"pool_size": pool_size, "stride": stride, "mode": mode, "padding": padding}
    expected = reference[MODULE].pool_forward(A, **kwargs)
    got = as_array(student.call(MODULE, "pool_forward", A, **kwargs), name="pool_forward")
    compare(
        got,
        expected,
        what="pool_forward",
        case=describe_call("pool_forward", A, **kwargs),
        candidates=pool_candidates(reference, A, pool_size, stride, mode, padding),
    )


@pytest.mark.points(1.5)
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_pool_forward_cases(student, reference, case):
    """pool_forward matches TensorFlow's pooling"""
    case_id, shape, pool_size, stride, mode, padding = case
    A = small_ints(fixed_rng("pool", case_id), shape)
    _check_pool(student, reference, A, pool_size, stride, mode, padding)


@pytest.mark.points(1.5)
def test_pool_forward_default_stride(student, reference):
    """pool_forward uses stride = pool_size when no stride is given (as Keras does)"""
    A = small_ints(fixed_rng("pool-default"), (1, 6, 6, 1))
    expected = reference[MODULE].pool_forward(A, 3)
    got = as_array(student.call(MODULE, "pool_forward", A, 3), name="pool_forward")
    compare(
        got,
        expected,
        what="pool_forward",
        case=describe_call("pool_forward", A, 3),
        candidates=pool_candidates(reference, A, 3, None, "max", "valid"),
    )


@pytest.mark.points(1.5)
def test_pool_forward_random(student, reference, rng):
    """pool_forward matches on random shapes, windows and modes"""
    for _ in range(2):
        pool = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        shape = (
            int(rng.integers(1, 3)),
            int(rng.integers(pool[0], 9)),
            int(rng.integers(pool[1], 9)),
            int(rng.integers(1, 4)),
        )
        stride = None if rng.integers(0, 2) else (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
        mode = ["max", "average"][int(rng.integers(0, 2))]
        padding = ["valid", "same"][int(rng.integers(0, 2))]
        A = small_ints(rng, shape) + rng.random(shape)  # ties would hide mode mistakes
        _check_pool(student, reference, A, pool, stride, mode, padding)


@pytest.mark.points(0.5)
@pytest.mark.parametrize(
    "kwargs",
    [{"mode": "median"}, {"stride": 0}, {"padding": "full"}],
    ids=["unknown-mode", "stride-0", "unknown-padding"],
)
def test_pool_forward_rejects_bad_arguments(student, kwargs):
    """pool_forward raises ValueError for a bad mode, stride or padding"""
    expect_value_error(student, MODULE, "pool_forward", np.ones((1, 4, 4, 1)), 2, **kwargs)
