"""Public checks for pooling.py: tiny cases you can verify by hand."""

import numpy as np

from autograder.grading.expect import expect_close
from autograder.grading.misconceptions import diagnose
from autograder.grading.support import describe_call, expect_value_error
from autograder.grading.validate import as_array
from autograder.student.marks import mark

pytestmark = [mark.exercise("pooling"), mark.points(0)]
GRID = np.arange(16).reshape(1, 4, 4, 1) * 0.5  # 0, 0.5,..., 7.5, row by row
MAX_2X2 = np.array([2.5, 3.5, 6.5, 7.5]).reshape(1, 2, 2, 1)
AVERAGE_2X2 = np.array([1.25, 2.25, 5.25, 6.25]).reshape(1, 2, 2, 1)


def _check(student, A, expected, mistakes, **kwargs):
    got = as_array(student.call("pooling", "pool_forward", A, **kwargs), name="pool_forward")
    expect_close(
        got,
        expected,
        what="pool_forward",
        case=describe_call("pool_forward", A, **kwargs),
        diagnose=lambda value: diagnose(value, mistakes, expected=expected),
    )


def test_pool_forward_max_2x2(student):
    """max pooling 2x2 of 0, 0.5, ..., 7.5 in a 4x4 grid keeps 2.5, 3.5, 6.5, 7.5"""
    _check(student, GRID, MAX_2X2, {"pool-mode-swapped": AVERAGE_2X2}, pool_size=2)


def test_pool_forward_average_2x2(student):
    """average pooling 2x2 of 0, 0.5, ..., 7.5 in a 4x4 grid gives 1.25, 2.25, 5.25, 6.25"""
    _check(student, GRID, AVERAGE_2X2, {"pool-mode-swapped": MAX_2X2},
           pool_size=2, mode="average")


def test_pool_forward_max_same_padding(student):
    """'same' max pooling 2x2 of 0, 0.5, ..., 4 in a 3x3 grid pads bottom, right: 2, 2.5, 3.5, 4"""
    A = np.arange(9).reshape(1, 3, 3, 1) * 0.5
    expected = np.array([2.0, 2.5, 3.5, 4.0]).reshape(1, 2, 2, 1)
    mistakes = [
        ("same-padding-wrong", np.array([[[[2.0]]]])),  # no padding at all
        ("same-padding-wrong", np.array([0.0, 1.0, 3.0, 4.0]).reshape(1, 2, 2, 1)),  # top-left
    ]
    _check(student, A, expected, mistakes, pool_size=2, padding="same")


def test_pool_forward_average_same_padding_non_square(student):
    """'same' average pooling of a 2x3 grid averages only real values: 1.0 and 1.75, not 0.875"""
    A = np.arange(6).reshape(1, 2, 3, 1) * 0.5
    expected = np.array([1.0, 1.75]).reshape(1, 1, 2, 1)
    mistakes = {"same-padding-wrong": np.array([1.0, 0.875]).reshape(1, 1, 2, 1)}
    _check(student, A, expected, mistakes, pool_size=2, mode="average", padding="same")


def test_pool_forward_keeps_channels(student):
    """pooling (1, 30, 30, 16) with 2x2 gives (1, 15, 15, 16)"""
    got = as_array(
        student.call("pooling", "pool_forward", np.ones((1, 30, 30, 16)), 2), name="pool_forward"
    )
    expect_close(
        got, np.ones((1, 15, 15, 16)), what="pool_forward",
        case="pool_forward(ones((1, 30, 30, 16)), 2)",
    )


def test_pool_forward_rejects_unknown_mode(student):
    """pool_forward raises ValueError for an unknown mode"""
    expect_value_error(student, "pooling", "pool_forward", GRID, 2, mode="median")
