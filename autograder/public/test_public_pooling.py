"""Public checks for pooling.py."""

import numpy as np
import pytest

from autograder.feedback import as_array, compare
from autograder.grader_support import describe_call

pytestmark = [pytest.mark.exercise("pooling"), pytest.mark.points(1)]
A = np.arange(16, dtype=float).reshape(1, 4, 4, 1)


def test_max_pool_2x2(student):
    """max pooling 2x2 of 0..15 in a 4x4 grid keeps 5, 7, 13, 15"""
    got = as_array(student.call("pooling", "pool_forward", A, 2), name="pool_forward")
    compare(
        got,
        np.array([5.0, 7.0, 13.0, 15.0]).reshape(1, 2, 2, 1),
        what="pool_forward",
        case=describe_call("pool_forward", A, 2),
        candidates={"pool-mode-swapped": np.array([2.5, 4.5, 10.5, 12.5]).reshape(1, 2, 2, 1)},
    )


def test_average_pool_2x2(student):
    """average pooling 2x2 of 0..15 in a 4x4 grid gives 2.5, 4.5, 10.5, 12.5"""
    got = as_array(
        student.call("pooling", "pool_forward", A, 2, mode="average"), name="pool_forward"
    )
    compare(
        got,
        np.array([2.5, 4.5, 10.5, 12.5]).reshape(1, 2, 2, 1),
        what="pool_forward",
        case=describe_call("pool_forward", A, 2, mode="average"),
        candidates={"pool-mode-swapped": np.array([5.0, 7.0, 13.0, 15.0]).reshape(1, 2, 2, 1)},
    )


def test_pool_keeps_channels(student):
    """pooling (1, 26, 26, 64) with 2x2 gives (1, 13, 13, 64)"""
    got = as_array(
        student.call("pooling", "pool_forward", np.ones((1, 26, 26, 64)), 2), name="pool_forward"
    )
    compare(
        got.shape,
        (1, 13, 13, 64),
        what="pool_forward output shape",
        case="pool_forward(ones((1, 26, 26, 64)), 2)",
    )
