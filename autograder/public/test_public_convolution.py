"""Public checks for convolution.py: small cases you can work out by hand.

Kernels are asymmetric and the data are not whole numbers, so a flipped kernel,
a forgotten bias or an integer result fails here as it would in grading.
"""

import numpy as np

from autograder.grading.expect import expect_close
from autograder.grading.misconceptions import diagnose
from autograder.grading.support import describe_call, expect_value_error
from autograder.grading.validate import as_array, as_float
from autograder.student.marks import mark

pytestmark = [mark.exercise("convolution"), mark.points(0)]
# A 3x3 image and a 2x2 kernel that is not symmetric: flipping it changes every answer.
IMAGE = np.array([[1.5, 0.0, 2.0], [0.5, 1.0, -1.0], [2.0, 0.5, 0.0]])
KERNEL = np.array([[0.5, 0.0], [1.0, -1.0]])
SLICE = np.array([[1.5, -2.0], [0.25, 3.0]]).reshape(2, 2, 1)
SLICE_W = np.array([[0.5, 1.0], [-1.5, 2.0]]).reshape(2, 2, 1)


def test_zero_pad_values(student):
    """zero_pad(X, 2) turns (1, 2, 2, 1) into (1, 6, 6, 1): X in the middle, zeros around"""
    X = np.array([0.5, -1.25, 2.0, 3.5]).reshape(1, 2, 2, 1)
    got = as_array(student.call("convolution", "zero_pad", X, 2), name="zero_pad")
    expected = np.zeros((1, 6, 6, 1))
    expected[:, 2:4, 2:4, :] = X
    expect_close(got, expected, what="zero_pad", case=describe_call("zero_pad", X, 2))


@mark.parametrize("b", [0.25, np.full((1, 1, 1), 0.25)], ids=["scalar-b", "b-1x1x1"])
def test_conv_single_step_asymmetric(student, b):
    """conv_single_step multiplies element by element, sums and adds b: 4.375 + 0.25 = 4.625"""
    got = as_float(
        student.call("convolution", "conv_single_step", SLICE, SLICE_W, b),
        name="conv_single_step",
    )
    mistakes = {"missing-bias": 4.375, "kernel-flipped": 8.0}
    expect_close(
        np.array(got),
        np.array(4.625),
        what="conv_single_step",
        case=f"conv_single_step(a_slice, W, b={b!r}) with a_slice and W below".replace("\n", ""),
        diagnose=lambda value: diagnose(float(value), mistakes, expected=4.625),
        inputs={"a_slice": SLICE[:, :, 0], "W": SLICE_W[:, :, 0]},
    )


def test_conv_forward_no_flip(student):
    """conv_forward slides the kernel as it is (no flip) and adds the bias 0.25 everywhere"""
    A, W, b = IMAGE.reshape(1, 3, 3, 1), KERNEL.reshape(2, 2, 1, 1), np.array([0.25])
    expected = np.array([0.5, 2.25, 2.0, 1.25]).reshape(1, 2, 2, 1)
    mistakes = {
        "kernel-flipped": np.array([-0.75, 1.75, 1.0, -1.75]).reshape(1, 2, 2, 1),
        "missing-bias": expected - 0.25,
    }
    got = as_array(student.call("convolution", "conv_forward", A, W, b), name="conv_forward")
    expect_close(
        got,
        expected,
        what="conv_forward",
        case="conv_forward(A_prev, W, b=[0.25]) with A_prev and W below",
        diagnose=lambda value: diagnose(value, mistakes, expected=expected),
        inputs={"A_prev": A, "W": W},
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


def test_apply_filter_no_flip(student):
    """apply_filter cross-correlates: a 3x3 image and an asymmetric 2x2 kernel give 2x2"""
    image = np.array([[0.5, 1.0, 0.0], [0.0, 0.5, 1.5], [1.0, 0.0, 0.5]])
    kernel = np.array([[2.0, 1.0], [0.0, -1.0]])
    expected = np.array([[1.5, 0.5], [0.5, 2.0]])
    got = as_array(student.call("convolution", "apply_filter", image, kernel), name="apply_filter")
    expect_close(
        got,
        expected,
        what="apply_filter",
        case=describe_call("apply_filter", image, kernel),
        diagnose=lambda answer: diagnose(
            answer, {"kernel-flipped": np.array([[0.5, 2.5], [1.0, 0.5]])}, expected=expected
        ),
    )


@mark.parametrize(
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
