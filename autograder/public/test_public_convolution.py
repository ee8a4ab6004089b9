"""Public checks for convolution.py: tiny cases you can verify by hand."""

import numpy as np
import pytest

from autograder.feedback import as_array, as_float, expect_close
from autograder.grader_support import describe_call, expect_value_error
from autograder.misconceptions import diagnose

pytestmark = [pytest.mark.exercise("convolution"), pytest.mark.points(1)]


def test_zero_pad_shape(student):
    """zero_pad(X, 2) turns (1, 3, 3, 1) into (1, 7, 7, 1) with zeros around"""
    X = np.ones((1, 3, 3, 1))
    got = as_array(student.call("convolution", "zero_pad", X, 2), name="zero_pad")
    expected = np.zeros((1, 7, 7, 1))
    expected[:, 2:5, 2:5, :] = 1
    expect_close(got, expected, what="zero_pad", case=describe_call("zero_pad", X, 2))


def test_conv_single_step_sum(student):
    """conv_single_step of ones (2x2x1) with ones and bias 1 is 5"""
    ones = np.ones((2, 2, 1))
    got = as_float(
        student.call("convolution", "conv_single_step", ones, ones, 1.0), name="conv_single_step"
    )
    expect_close(
        np.array(got),
        np.array(5.0),
        what="conv_single_step",
        case=describe_call("conv_single_step", ones, ones, 1.0),
        diagnose=lambda value: diagnose(float(value), {"missing-bias": 4.0}, expected=5.0),
    )


def test_conv_forward_no_flip(student):
    """conv_forward does not flip the kernel: [[1, 2], [3, 4]] with kernel [[1, 0], [0, 0]] is 1"""
    A = np.array([1.0, 2.0, 3.0, 4.0]).reshape(1, 2, 2, 1)
    W = np.array([1.0, 0.0, 0.0, 0.0]).reshape(2, 2, 1, 1)
    expected = np.ones((1, 1, 1, 1))
    got = as_array(
        student.call("convolution", "conv_forward", A, W, np.zeros(1)), name="conv_forward"
    )
    expect_close(
        got,
        expected,
        what="conv_forward",
        case=describe_call("conv_forward", A, W, np.zeros(1)),
        diagnose=lambda value: diagnose(
            value, {"kernel-flipped": np.full((1, 1, 1, 1), 4.0)}, expected=expected
        ),
    )


def test_conv_forward_bias_and_stride(student):
    """conv_forward of a 4x4 ones image, 2x2 ones kernel, bias 1, stride 2 is all 5s (2x2)"""
    A, W, b = np.ones((1, 4, 4, 1)), np.ones((2, 2, 1, 1)), np.ones(1)
    expected = np.full((1, 2, 2, 1), 5.0)
    got = as_array(
        student.call("convolution", "conv_forward", A, W, b, stride=2), name="conv_forward"
    )
    mistakes = {
        "stride-ignored": np.full((1, 3, 3, 1), 5.0),
        "missing-bias": np.full((1, 2, 2, 1), 4.0),
    }
    expect_close(
        got,
        expected,
        what="conv_forward",
        case=describe_call("conv_forward", A, W, b, stride=2),
        diagnose=lambda value: diagnose(value, mistakes, expected=expected),
    )


def test_conv_forward_same_padding(student):
    """'same' keeps a 3x3 image 3x3: ones with a 3x3 ones kernel count the pixels under it"""
    A, W, b = np.ones((1, 3, 3, 1)), np.ones((3, 3, 1, 1)), np.zeros(1)
    expected = np.array([[4.0, 6.0, 4.0], [6.0, 9.0, 6.0], [4.0, 6.0, 4.0]]).reshape(1, 3, 3, 1)
    got = as_array(
        student.call("convolution", "conv_forward", A, W, b, padding="same"), name="conv_forward"
    )
    expect_close(
        got,
        expected,
        what="conv_forward",
        case=describe_call("conv_forward", A, W, b, padding="same"),
        diagnose=lambda value: diagnose(
            value, {"same-padding-wrong": np.full((1, 1, 1, 1), 9.0)}, expected=expected
        ),
    )


def test_conv_forward_rejects_unknown_padding(student):
    """conv_forward raises ValueError for an unknown padding name"""
    expect_value_error(
        student, "convolution", "conv_forward",
        np.ones((1, 3, 3, 1)), np.ones((2, 2, 1, 1)), np.zeros(1), padding="full",
    )


@pytest.mark.parametrize(
    ("size", "kernel", "value"), [(3, 2, 4.0), (28, 3, 9.0)], ids=["3x3-2x2", "28x28-3x3"]
)
def test_apply_filter_ones(student, size, kernel, value):
    """apply_filter of a ones image with a ones kernel is the kernel's area, (n - f + 1) square"""
    image, weights = np.ones((size, size)), np.ones((kernel, kernel))
    got = as_array(
        student.call("convolution", "apply_filter", image, weights), name="apply_filter"
    )
    out = size - kernel + 1
    expected = np.full((out, out), value)
    expect_close(
        got,
        expected,
        what="apply_filter",
        case=f"apply_filter(ones(({size}, {size})), ones(({kernel}, {kernel})))",
        diagnose=lambda answer: diagnose(
            answer, {"off-by-one": expected[:-1, :-1]}, expected=expected
        ),
    )
