"""Hidden tests for shapes.py: output sizes and shapes of conv and pooling layers."""

from __future__ import annotations

import math

import pytest

from autograder.feedback import as_int, as_shape, compare
from autograder.grader_support import describe_call, expect_value_error
from autograder.misconceptions import pair

pytestmark = pytest.mark.exercise("shapes")
MODULE = "shapes"

# (n, f, stride, padding)
SIZE_CASES = [
    (28, 3, 1, "valid"),
    (7, 3, 2, "valid"),
    (28, 5, 1, "same"),
    (28, 4, 2, "same"),
    (7, 2, 3, "same"),
    (10, 3, 2, 1),
]


def size_candidates(n, f, stride, padding):
    """conv_output_size under each known mistake."""
    if padding == "valid":
        pad = 0
    elif padding == "same":
        pad = None
    else:
        pad = padding

    def build():
        if pad is None:
            return {
                "stride-ignored": n,
                "same-padding-wrong": (n + 2 * (f // 2) - f) // stride + 1,
                "off-by-one": math.ceil(n / stride) - 1,
            }
        span = n + 2 * pad - f
        return {
            "stride-ignored": span + 1 if stride != 1 else None,
            "off-by-one": span // stride,
        }

    return build


@pytest.mark.points(1)
@pytest.mark.parametrize(
    "case", SIZE_CASES, ids=[f"n{c[0]}-f{c[1]}-s{c[2]}-{c[3]}" for c in SIZE_CASES]
)
def test_conv_output_size(student, reference, case):
    """conv_output_size counts the window positions along one axis"""
    n, f, stride, padding = case
    expected = reference[MODULE].conv_output_size(n, f, stride, padding)
    got = as_int(
        student.call(MODULE, "conv_output_size", n, f, stride, padding), name="conv_output_size"
    )
    candidates = size_candidates(n, f, stride, padding)
    table = candidates()
    if got in (expected - 1, expected + 1) and got not in table.values():
        table["off-by-one"] = got
    compare(
        got,
        expected,
        what="conv_output_size",
        case=describe_call("conv_output_size", n, f, stride, padding),
        candidates=table,
    )


SHAPE_CASES = [
    ((28, 28, 1), 64, 3, 1, "valid"),
    ((28, 28, 8), 12, 4, 2, "same"),
    ((32, 32, 3), 6, 5, 1, "valid"),
    ((9, 7, 2), 4, (3, 2), (2, 1), "valid"),
]


@pytest.mark.points(1)
@pytest.mark.parametrize("case", SHAPE_CASES, ids=[f"{c[0]}-{c[1]}" for c in SHAPE_CASES])
def test_conv_output_shape(student, reference, case):
    """conv_output_shape gives (height, width, filters) after a Conv2D layer"""
    input_shape, filters, kernel, stride, padding = case
    expected = tuple(
        reference[MODULE].conv_output_shape(input_shape, filters, kernel, stride, padding)
    )
    got = as_shape(
        student.call(MODULE, "conv_output_shape", input_shape, filters, kernel, stride, padding),
        name="conv_output_shape",
    )
    h, w, c = expected
    conv_size = reference[MODULE].conv_output_size
    f, s = pair(kernel), pair(stride)
    candidates = {
        "channels-first": (c, h, w),
        "stride-ignored": (
            conv_size(input_shape[0], f[0], 1, padding),
            conv_size(input_shape[1], f[1], 1, padding),
            c,
        )
        if s != (1, 1)
        else None,
        "off-by-one": (h - 1, w - 1, c),
    }
    compare(
        got,
        expected,
        what="conv_output_shape",
        case=describe_call("conv_output_shape", input_shape, filters, kernel, stride, padding),
        candidates=candidates,
    )


POOL_CASES = [
    ((26, 26, 64), 2, None, "valid"),
    ((11, 11, 64), 2, None, "valid"),
    ((7, 7, 3), 3, 2, "same"),
    ((8, 6, 1), (2, 3), (2, 1), "valid"),
]


@pytest.mark.points(0.5)
@pytest.mark.parametrize("case", POOL_CASES, ids=[f"{c[0]}-p{c[1]}" for c in POOL_CASES])
def test_pool_output_shape(student, reference, case):
    """pool_output_shape keeps the channels and shrinks height and width"""
    input_shape, pool_size, stride, padding = case
    expected = tuple(reference[MODULE].pool_output_shape(input_shape, pool_size, stride, padding))
    got = as_shape(
        student.call(MODULE, "pool_output_shape", input_shape, pool_size, stride, padding),
        name="pool_output_shape",
    )
    h, w, c = expected
    candidates = {
        "stride-ignored": tuple(
            reference[MODULE].pool_output_shape(input_shape, pool_size, 1, padding)
        ),
        "channels-first": (c, h, w),
        "off-by-one": (h - 1, w - 1, c),
    }
    compare(
        got,
        expected,
        what="pool_output_shape",
        case=describe_call("pool_output_shape", input_shape, pool_size, stride, padding),
        candidates=candidates,
    )


@pytest.mark.points(0.5)
@pytest.mark.parametrize("shape", [(5, 5, 64), (7, 7, 12), (10,)], ids=["5x5x64", "7x7x12", "10"])
def test_flatten_size(student, reference, shape):
    """flatten_size multiplies the dimensions of a shape"""
    expected = reference[MODULE].flatten_size(shape)
    got = as_int(student.call(MODULE, "flatten_size", shape), name="flatten_size")
    compare(got, expected, what="flatten_size", case=describe_call("flatten_size", shape))


@pytest.mark.points(0.5)
@pytest.mark.parametrize(
    "args",
    [(28, 3, 0, "valid"), (28, 3, 1, "full"), (2, 3, 1, "valid")],
    ids=["stride-0", "unknown-padding", "kernel-larger-than-input"],
)
def test_conv_output_size_rejects_bad_arguments(student, args):
    """conv_output_size raises ValueError for a bad stride, padding or kernel"""
    expect_value_error(student, MODULE, "conv_output_size", *args)
