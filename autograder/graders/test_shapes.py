"""Hidden tests for shapes.py: output sizes and shapes of conv and pooling layers."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from autograder.grading.expect import expect_equal
from autograder.grading.misconceptions import diagnose
from autograder.grading.support import (
    course_rng,
    describe_call,
    expect_value_error,
    second_question,
)
from autograder.grading.validate import as_int, as_shape
from autograder.grading.variants import size_variants, window_shape_variants

pytestmark = pytest.mark.exercise("shapes")
MODULE = "shapes"


# Second questions for output shapes, as (input shape, window, stride): the first tells
# floor from symmetric "same" padding, the second both from an off-by-one.
PROBE_WINDOWS = [((10, 13, 3), (4, 5), (1, 2)), ((12, 12, 3), (6, 6), (2, 2))]


def _probe_padding(padding):
    """The padding of a second question: the same kind, an int kept below the window."""
    return padding if isinstance(padding, str) else min(padding, 1)


def check_size(student, reference, n, f, stride, padding) -> None:
    size = reference[MODULE].conv_output_size
    expected = size(n, f, stride, padding)
    got = as_int(
        student.call(MODULE, "conv_output_size", n, f, stride, padding), name="conv_output_size"
    )
    # "same": (12, 6, 2) tells off-by-one from symmetric padding, (10, 4, 1) floor from it.
    probes = [(12, 6, 2, padding), (10, 4, 1, padding)] if padding == "same" else [
        (11, 4, 3, _probe_padding(padding))]
    again = second_question(
        student, MODULE, "conv_output_size", [(p, {}) for p in probes], expected=size,
        variants=size_variants, validate=lambda value: as_int(value, name="conv_output_size"),
    )
    expect_equal(
        got,
        expected,
        what="conv_output_size",
        case=describe_call("conv_output_size", n, f, stride, padding),
        diagnose=lambda value: diagnose(
            value, size_variants(n, f, stride, padding), expected=expected, again=again
        ),
    )


def check_conv_shape(student, reference, input_shape, filters, kernel, stride, padding) -> None:
    def variants(shape, filters, kernel, stride, padding):
        return window_shape_variants(shape, kernel, stride, padding, filters=filters)

    probes = [(shape, 5, kernel, stride, _probe_padding(padding))
              for shape, kernel, stride in PROBE_WINDOWS]
    _check_shape(student, reference, "conv_output_shape",
                 (input_shape, filters, kernel, stride, padding), variants, probes)


def check_pool_shape(student, reference, input_shape, pool_size, stride, padding) -> None:
    def variants(shape, pool_size, stride, padding):
        window_stride = pool_size if stride is None else stride
        return window_shape_variants(shape, pool_size, window_stride, padding)

    probes = [(shape, window, stride, _probe_padding(padding))
              for shape, window, stride in PROBE_WINDOWS]
    _check_shape(student, reference, "pool_output_shape",
                 (input_shape, pool_size, stride, padding), variants, probes)


def _check_shape(
    student, reference, function: str, args: tuple, variants: Callable[..., list], probes: list
) -> None:
    """The student's (H, W, C) from ``function(*args)`` against the reference's.

    ``variants(*args)`` gives what each known mistake would return; it runs only on a
    mismatch, and ``probes`` are the second question asked when two mistakes agree.
    """
    def right(*call):
        return tuple(getattr(reference[MODULE], function)(*call))

    expected = right(*args)
    got = as_shape(student.call(MODULE, function, *args), name=function, length=3)
    again = second_question(
        student, MODULE, function, [(p, {}) for p in probes], expected=right, variants=variants,
        validate=lambda value: as_shape(value, name=function, length=3),
    )
    expect_equal(
        got,
        expected,
        what=function,
        case=describe_call(function, *args),
        diagnose=lambda value: diagnose(value, variants(*args), expected=expected, again=again),
    )


# (n, f, stride, padding)
SIZE_CASES = [
    (5, 5, 1, "valid"),
    (7, 2, 3, "valid"),
    (10, 4, 2, "same"),
    (11, 4, 2, "same"),
    (10, 3, 2, 1),
]


@pytest.mark.points(0.8)
@pytest.mark.parametrize(
    "case", SIZE_CASES, ids=[f"n{c[0]}-f{c[1]}-s{c[2]}-{c[3]}" for c in SIZE_CASES]
)
def test_conv_output_size(student, reference, case):
    """conv_output_size counts the window positions along one axis"""
    check_size(student, reference, *case)


# (input_shape, filters, kernel_size, stride, padding)
CONV_SHAPE_CASES = [
    ((27, 28, 8), 12, 4, 2, "same"),
    ((9, 7, 2), 4, (3, 2), (2, 1), "valid"),
    ((5, 6, 3), 2, 3, 1, 1),
]


@pytest.mark.points(1)
@pytest.mark.parametrize(
    "case", CONV_SHAPE_CASES, ids=["27x28x8-same-s2", "non-square-tuples", "int-padding"]
)
def test_conv_output_shape(student, reference, case):
    """conv_output_shape gives (height, width, filters) after a Conv2D layer"""
    check_conv_shape(student, reference, *case)


# (input_shape, pool_size, stride, padding)
POOL_SHAPE_CASES = [
    ((11, 11, 64), 2, None, "valid"),
    ((7, 7, 3), 3, 2, "same"),
    ((8, 6, 1), (2, 3), (2, 1), 1),
]


@pytest.mark.points(1)
@pytest.mark.parametrize(
    "case", POOL_SHAPE_CASES, ids=["11x11x64-default-stride", "same-s2", "int-padding-tuples"]
)
def test_pool_output_shape(student, reference, case):
    """pool_output_shape keeps the channels and shrinks height and width"""
    check_pool_shape(student, reference, *case)


@pytest.mark.points(0.5)
@pytest.mark.parametrize("shape", [(7, 7, 12), (10,)], ids=["7x7x12", "10"])
def test_flatten_size(student, reference, shape):
    """flatten_size multiplies the dimensions of a shape"""
    expected = reference[MODULE].flatten_size(shape)
    got = as_int(student.call(MODULE, "flatten_size", shape), name="flatten_size")
    expect_equal(got, expected, what="flatten_size", case=describe_call("flatten_size", shape))


@pytest.mark.points(2.5)
def test_shapes_random(student, reference, request):
    """conv_output_size, conv_output_shape and pool_output_shape match on random layers"""
    rng = course_rng(request)
    n, f = int(rng.integers(4, 30)), int(rng.integers(1, 6))
    stride = int(rng.integers(1, 4))
    padding = ["valid", "same", int(rng.integers(0, 3))][int(rng.integers(0, 3))]
    check_size(student, reference, max(n, f), f, stride, padding)
    h, w, c = (int(v) for v in rng.integers(5, 30, size=3))
    kernel = (int(rng.integers(1, 6)), int(rng.integers(1, 6)))
    strides = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    filters = int(rng.integers(1, 65))
    check_conv_shape(student, reference, (h, w, c), filters, kernel, strides, padding)
    window = int(rng.integers(2, 4))
    pool_padding = ["valid", "same"][int(rng.integers(0, 2))]
    check_pool_shape(student, reference, (h, w, c), window, None, pool_padding)


@pytest.mark.points(0.5)
@pytest.mark.parametrize(
    "args",
    [(28, 3, 0, "valid"), (28, 3, 1, "full"), (2, 3, 1, "valid")],
    ids=["stride-0", "unknown-padding", "kernel-larger-than-input"],
)
def test_conv_output_size_rejects_bad_arguments(student, args):
    """conv_output_size raises ValueError for a bad stride, padding or kernel"""
    expect_value_error(student, MODULE, "conv_output_size", *args)
