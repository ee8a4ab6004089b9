"""Public checks for convolution.py: tiny cases you can verify by hand."""

import numpy as np
import pytest

from autograder.feedback import as_array, as_float, compare
from autograder.grader_support import describe_call

pytestmark = [pytest.mark.exercise("convolution"), pytest.mark.points(1)]


def test_zero_pad_shape(student):
    """zero_pad(X, 2) turns (1, 3, 3, 1) into (1, 7, 7, 1) with zeros around"""
    X = np.ones((1, 3, 3, 1))
    got = as_array(student.call("convolution", "zero_pad", X, 2), name="zero_pad")
    expected = np.zeros((1, 7, 7, 1))
    expected[:, 2:5, 2:5, :] = 1
    compare(got, expected, what="zero_pad", case=describe_call("zero_pad", X, 2))


def test_conv_single_step_sum(student):
    """conv_single_step of ones (2x2x1) with ones and bias 1 is 5"""
    ones = np.ones((2, 2, 1))
    got = as_float(
        student.call("convolution", "conv_single_step", ones, ones, 1.0), name="conv_single_step"
    )
    compare(
        got,
        5.0,
        what="conv_single_step",
        case=describe_call("conv_single_step", ones, ones, 1.0),
        candidates={"missing-bias": 4.0},
    )


def test_conv_forward_no_flip(student):
    """conv_forward does not flip the kernel: [[1, 2], [3, 4]] with kernel [[1, 0], [0, 0]] is 1"""
    A = np.array([1.0, 2.0, 3.0, 4.0]).reshape(1, 2, 2, 1)
    W = np.array([1.0, 0.0, 0.0, 0.0]).reshape(2, 2, 1, 1)
    got = as_array(
        student.call("convolution", "conv_forward", A, W, np.zeros(1)), name="conv_forward"
    )
    compare(
        got,
        np.array([1.0]).reshape(1, 1, 1, 1),
        what="conv_forward",
        case=describe_call("conv_forward", A, W, np.zeros(1)),
        candidates={"kernel-flipped": np.array([4.0]).reshape(1, 1, 1, 1)},
    )


def test_conv_forward_bias_and_stride(student):
    """conv_forward of a 4x4 ones image, 2x2 ones kernel, bias 1, stride 2 is all 5s (2x2)"""
    A, W, b = np.ones((1, 4, 4, 1)), np.ones((2, 2, 1, 1)), np.ones(1)
    got = as_array(
        student.call("convolution", "conv_forward", A, W, b, stride=2), name="conv_forward"
    )
    compare(
        got,
        np.full((1, 2, 2, 1), 5.0),
        what="conv_forward",
        case=describe_call("conv_forward", A, W, b, stride=2),
        candidates={
            "stride-ignored": np.full((1, 3, 3, 1), 5.0),
            "missing-bias": np.full((1, 2, 2, 1), 4.0),
        },
    )


def test_apply_filter_shape(student):
    """apply_filter on a 28x28 image with a 3x3 kernel gives 26x26"""
    got = as_array(
        student.call("convolution", "apply_filter", np.ones((28, 28)), np.ones((3, 3))),
        name="apply_filter",
    )
    compare(
        got,
        np.full((26, 26), 9.0),
        what="apply_filter",
        case="apply_filter(ones((28, 28)), ones((3, 3)))",
    )
