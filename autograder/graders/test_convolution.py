"""Hidden tests for convolution.py: zero_pad, conv_single_step, conv_forward, apply_filter."""

from __future__ import annotations

from dataclasses import dataclass

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
    small_ints,
    small_values,
)
from autograder.grading.validate import as_array, as_float
from autograder.grading.variants import conv_variants, filter_variants

pytestmark = pytest.mark.exercise("convolution")
MODULE = "convolution"


@dataclass(frozen=True)
class ConvCase:
    id: str
    input_shape: tuple[int, int, int, int]
    kernel_shape: tuple[int, int, int, int]
    stride: int | tuple[int, int] = 1
    padding: str | int = "valid"
    # Whole numbers are easiest to redo by hand; decimals catch an integer-typed output.
    decimals: bool = False


# Smallest first, so the first failure a student reads is the easiest to redo by hand.
EDGE_CASES = [
    ConvCase("tiny-valid", (1, 3, 3, 1), (2, 2, 1, 1)),
    ConvCase("1x1-kernel-3-channels", (1, 3, 3, 3), (1, 1, 3, 2)),
    ConvCase("kernel-equals-input-batch-3", (3, 3, 3, 1), (3, 3, 1, 2)),
    ConvCase("same-even-kernel", (1, 5, 5, 1), (2, 2, 1, 1), padding="same"),
    ConvCase("stride-larger-than-kernel", (1, 7, 7, 1), (2, 2, 1, 1), stride=3, decimals=True),
    ConvCase("taller-than-wide", (1, 8, 5, 2), (3, 2, 2, 1), stride=(2, 1), decimals=True),
    ConvCase("same-odd-sizes-stride-2", (1, 7, 5, 2), (3, 3, 2, 3), stride=2, padding="same",
             decimals=True),
    ConvCase("int-padding-batch-3", (3, 4, 4, 3), (3, 3, 3, 2), padding=1),
]
# The second question: an input on which the known mistakes all give different answers.
PROBE_SHAPES = ((1, 7, 6, 2), (3, 2, 2, 3))
PROBE_STRIDE = (2, 1)


def check_conv(student, reference, A, W, b, stride, padding) -> None:
    """Compare one conv_forward call with the reference, diagnosing a wrong answer."""
    conv = reference[MODULE].conv_forward
    expected = conv(A, W, b, stride=stride, padding=padding)
    got = student.call(MODULE, "conv_forward", A, W, b, stride=stride, padding=padding)
    rng = fixed_rng("conv-probe")
    probe = (small_values(rng, PROBE_SHAPES[0]), small_values(rng, PROBE_SHAPES[1]),
             small_values(rng, PROBE_SHAPES[1][3:]), PROBE_STRIDE, padding)
    again = second_question(
        student, MODULE, "conv_forward", [(probe, {})],
        expected=lambda *a: conv(*a),
        variants=lambda *a: conv_variants(conv, *a),
        validate=lambda value: as_array(value, name="conv_forward"),
    )
    expect_close(
        as_array(got, name="conv_forward"),
        expected,
        what="conv_forward",
        case=describe_call("conv_forward", A, W, b, stride=stride, padding=padding),
        diagnose=lambda value: diagnose(
            value, conv_variants(conv, A, W, b, stride, padding), expected=expected, again=again
        ),
        inputs={"A_prev": A, "W": W},
    )


@pytest.mark.points(1.25)
@pytest.mark.parametrize(
    ("shape", "pad"), [((1, 2, 3, 1), 1), ((3, 2, 2, 3), 2)], ids=["pad-1", "pad-2-batch-3"]
)
def test_zero_pad(student, reference, shape, pad):
    """zero_pad adds zeros around height and width only"""
    # Decimals: an integer-typed padded copy would cut them off.
    X = small_values(fixed_rng("zero_pad", shape, pad), shape)
    expected = reference[MODULE].zero_pad(X, pad)
    got = as_array(student.call(MODULE, "zero_pad", X, pad), name="zero_pad")
    expect_close(
        got, expected, what="zero_pad", case=describe_call("zero_pad", X, pad), inputs={"X": X}
    )


@pytest.mark.points(1.5)
@pytest.mark.parametrize("bias_shape", [(), (1, 1, 1)], ids=["scalar-bias", "bias-1x1x1"])
def test_conv_single_step(student, reference, bias_shape):
    """conv_single_step multiplies one window by the kernel, sums and adds the bias"""
    rng = fixed_rng("single", bias_shape)
    a_slice, W = small_ints(rng, (3, 2, 2)), small_values(rng, (3, 2, 2))
    b = small_values(rng, bias_shape) if bias_shape else float(rng.integers(1, 4)) + 0.5
    expected = float(reference[MODULE].conv_single_step(a_slice, W, b))
    got = as_float(student.call(MODULE, "conv_single_step", a_slice, W, b), name="conv_single_step")
    variants = {
        "missing-bias": float(np.sum(a_slice * W)),
        "kernel-flipped": float(np.sum(a_slice * W[::-1, ::-1]) + np.sum(b)),
        "integer-output": float(np.trunc(expected)),
    }
    expect_close(
        np.array(got),
        np.array(expected),
        what="conv_single_step",
        case=describe_call("conv_single_step", a_slice, W, b),
        diagnose=lambda value: diagnose(float(value), variants, expected=expected),
    )


@pytest.mark.points(1.5)
@pytest.mark.parametrize("case", EDGE_CASES, ids=[c.id for c in EDGE_CASES])
def test_conv_forward_cases(student, reference, case):
    """conv_forward matches TensorFlow's cross-correlation"""
    rng = fixed_rng("conv", case.id)
    values = small_values if case.decimals else small_ints
    A, W = values(rng, case.input_shape), values(rng, case.kernel_shape)
    b = values(rng, case.kernel_shape[3:])
    check_conv(student, reference, A, W, b, case.stride, case.padding)


@pytest.mark.points(3)
def test_conv_forward_random(student, reference, request):
    """conv_forward matches on random shapes, strides and paddings"""
    rng, calls = course_rng(request), []
    for _ in range(3):
        f = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        shape = (
            int(rng.integers(1, 4)),
            int(rng.integers(f[0], 8)),
            int(rng.integers(f[1], 8)),
            int(rng.integers(1, 4)),
        )
        W_shape = (*f, shape[3], int(rng.integers(1, 4)))
        stride = (int(rng.integers(1, 4)), int(rng.integers(1, 3)))
        padding = ["valid", "same", int(rng.integers(0, 3))][int(rng.integers(0, 3))]
        A, W = small_values(rng, shape), small_values(rng, W_shape)
        b = small_values(rng, W_shape[3:])
        calls.append((A, W, b, stride, padding))
    for A, W, b, stride, padding in sorted(calls, key=lambda c: c[0].size * c[1].size):
        check_conv(student, reference, A, W, b, stride, padding)


@pytest.mark.points(1)
@pytest.mark.parametrize(
    ("image_shape", "kernel_shape"),
    [((3, 3), (2, 2)), ((6, 9), (3, 2)), ((28, 28), (3, 3))],
    ids=["3x3-2x2", "non-square", "28x28-3x3"],
)
def test_apply_filter(student, reference, image_shape, kernel_shape):
    """apply_filter slides a 2-D kernel over a grayscale image (valid cross-correlation)"""
    rng = fixed_rng("filter", image_shape, kernel_shape)
    values = small_ints if image_shape == (3, 3) else small_values
    image, kernel = values(rng, image_shape), values(rng, kernel_shape)
    apply = reference[MODULE].apply_filter
    expected = apply(image, kernel)
    got = as_array(student.call(MODULE, "apply_filter", image, kernel), name="apply_filter")
    expect_close(
        got,
        expected,
        what="apply_filter",
        case=describe_call("apply_filter", image, kernel),
        diagnose=lambda value: diagnose(
            value, filter_variants(apply, image, kernel), expected=expected
        ),
        inputs={"image": image, "kernel": kernel},
    )


BAD_CALLS = {
    "stride-0": ((1, 4, 4, 1), (2, 2, 1, 1), {"stride": 0}),
    "unknown-padding": ((1, 4, 4, 1), (2, 2, 1, 1), {"padding": "full"}),
    "channel-mismatch": ((1, 4, 4, 2), (2, 2, 3, 1), {}),
}


@pytest.mark.points(0.5)
@pytest.mark.parametrize("bad", list(BAD_CALLS), ids=list(BAD_CALLS))
def test_conv_forward_rejects_bad_arguments(student, bad):
    """conv_forward raises ValueError for a bad stride, padding or channel count"""
    input_shape, kernel_shape, kwargs = BAD_CALLS[bad]
    A, W = np.ones(input_shape), np.ones(kernel_shape)
    expect_value_error(student, MODULE, "conv_forward", A, W, np.zeros(kernel_shape[3]), **kwargs)
