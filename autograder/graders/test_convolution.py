"""Hidden tests for convolution.py: zero_pad, conv_single_step, conv_forward, apply_filter."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from autograder.feedback import as_array, as_float, compare
from autograder.grader_support import describe_call, expect_value_error, fixed_rng, small_ints
from autograder.misconceptions import nchw, pair, swap_same_padding

pytestmark = pytest.mark.exercise("convolution")
MODULE = "convolution"


@dataclass(frozen=True)
class ConvCase:
    id: str
    input_shape: tuple[int, int, int, int]
    kernel_shape: tuple[int, int, int, int]
    stride: int | tuple[int, int] = 1
    padding: str | int = "valid"

    def arrays(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        A = small_ints(rng, self.input_shape)
        W = small_ints(rng, self.kernel_shape)
        b = small_ints(rng, (self.kernel_shape[3],))
        return A, W, b


EDGE_CASES = [
    ConvCase("valid-3x3", (1, 4, 4, 1), (3, 3, 1, 1)),
    ConvCase("1x1-kernel", (1, 3, 3, 2), (1, 1, 2, 2)),
    ConvCase("kernel-equals-input", (2, 3, 3, 1), (3, 3, 1, 2)),
    ConvCase("non-square-kernel-stride", (1, 6, 5, 2), (2, 3, 2, 1), stride=(2, 1)),
    ConvCase("stride-larger-than-kernel", (1, 7, 7, 1), (2, 2, 1, 1), stride=3),
    ConvCase("same-odd", (1, 5, 5, 1), (3, 3, 1, 1), padding="same"),
    ConvCase("same-asymmetric-stride-2", (1, 6, 6, 1), (4, 4, 1, 1), 2, "same"),
    ConvCase("int-padding", (3, 4, 4, 3), (3, 3, 3, 2), padding=1),
]


def conv_candidates(reference, A, W, b, stride, padding):
    """What each known mistake would return for this call."""
    conv = reference[MODULE].conv_forward

    def build():
        table = {
            "kernel-flipped": conv(A, W[::-1, ::-1], b, stride=stride, padding=padding),
            "missing-bias": conv(A, W, np.zeros_like(b), stride=stride, padding=padding),
            "stride-ignored": conv(A, W, b, stride=1, padding=padding) if stride != 1 else None,
            "channels-first": nchw(conv(A, W, b, stride=stride, padding=padding)),
        }
        if padding == "same":
            shifted = swap_same_padding(A, W.shape[:2], pair(stride))
            table["same-padding-wrong"] = conv(shifted, W, b, stride=stride, padding="valid")
        return table

    return build


def _check_conv(student, reference, A, W, b, stride, padding):
    expected = reference[MODULE].conv_forward(A, W, b, stride=stride, padding=padding)
    case = describe_call("conv_forward", A, W, b, stride=stride, padding=padding)
    got = as_array(
        student.call(MODULE, "conv_forward", A, W, b, stride=stride, padding=padding),
        name="conv_forward",
    )
    compare(
        got,
        expected,
        what="conv_forward",
        case=case,
        candidates=conv_candidates(reference, A, W, b, stride, padding),
    )


@pytest.mark.points(1)
@pytest.mark.parametrize("pad", [0, 1, 3])
def test_zero_pad(student, reference, pad):
    """zero_pad adds zeros around height and width only"""
    X = small_ints(fixed_rng("zero_pad", pad), (2, 2, 3, 2))
    expected = reference[MODULE].zero_pad(X, pad)
    got = as_array(student.call(MODULE, "zero_pad", X, pad), name="zero_pad")
    compare(got, expected, what="zero_pad", case=describe_call("zero_pad", X, pad))


@pytest.mark.points(1.25)
@pytest.mark.parametrize("bias_shape", [(), (1, 1, 1)], ids=["scalar-bias", "bias-1x1x1"])
def test_conv_single_step(student, reference, bias_shape):
    """conv_single_step multiplies one window by the kernel, sums and adds the bias"""
    rng = fixed_rng("single", bias_shape)
    a_slice, W = small_ints(rng, (3, 3, 2)), small_ints(rng, (3, 3, 2))
    b = small_ints(rng, bias_shape) if bias_shape else float(rng.integers(1, 4))
    expected = float(reference[MODULE].conv_single_step(a_slice, W, b))
    got = as_float(student.call(MODULE, "conv_single_step", a_slice, W, b), name="conv_single_step")
    flipped = float(np.sum(a_slice * W[::-1, ::-1]) + np.sum(b))
    compare(
        got,
        expected,
        what="conv_single_step",
        case=describe_call("conv_single_step", a_slice, W, b),
        candidates={"missing-bias": float(np.sum(a_slice * W)), "kernel-flipped": flipped},
    )


@pytest.mark.points(1.5)
@pytest.mark.parametrize("case", EDGE_CASES, ids=[c.id for c in EDGE_CASES])
def test_conv_forward_cases(student, reference, case):
    """conv_forward matches TensorFlow's cross-correlation"""
    A, W, b = case.arrays(fixed_rng("conv", case.id))
    _check_conv(student, reference, A, W, b, case.stride, case.padding)


@pytest.mark.points(3)
def test_conv_forward_random(student, reference, rng):
    """conv_forward matches on random shapes, strides and paddings"""
    for _ in range(3):
        f = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        shape = (
            int(rng.integers(1, 3)),
            int(rng.integers(f[0], 8)),
            int(rng.integers(f[1], 8)),
            int(rng.integers(1, 4)),
        )
        W_shape = (*f, shape[3], int(rng.integers(1, 4)))
        stride = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
        padding = ["valid", "same", int(rng.integers(0, 2))][int(rng.integers(0, 3))]
        A, W, b = small_ints(rng, shape), small_ints(rng, W_shape), small_ints(rng, W_shape[3:])
        _check_conv(student, reference, A, W, b, stride, padding)


@pytest.mark.points(1)
@pytest.mark.parametrize("size", [(5, 5, 3), (28, 28, 3), (6, 9, 2)], ids=["5x5", "28x28", "6x9"])
def test_apply_filter(student, reference, size):
    """apply_filter slides a 2-D kernel over a grayscale image (valid cross-correlation)"""
    rng = fixed_rng("filter", size)
    image = small_ints(rng, size[:2])
    kernel = small_ints(rng, (size[2], size[2]))
    expected = reference[MODULE].apply_filter(image, kernel)
    got = as_array(student.call(MODULE, "apply_filter", image, kernel), name="apply_filter")
    flipped = reference[MODULE].apply_filter(image, kernel[::-1, ::-1])
    compare(
        got,
        expected,
        what="apply_filter",
        case=describe_call("apply_filter", image, kernel),
        candidates={"kernel-flipped": flipped},
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
