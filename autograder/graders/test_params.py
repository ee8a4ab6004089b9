"""Hidden tests for params.py: parameter counts and a hand-made model summary."""

from __future__ import annotations

from typing import Any

import pytest

from autograder.grading.expect import expect_equal
from autograder.grading.feedback import Mismatch
from autograder.grading.misconceptions import HINTS, diagnose, matching_codes
from autograder.grading.support import (
    course_rng,
    describe_call,
    expect_value_error,
    second_question,
)
from autograder.grading.validate import as_int, as_summary
from autograder.grading.variants import (
    conv_params_variants,
    dense_params_variants,
    window_shape_variants,
)

pytestmark = pytest.mark.exercise("params")
MODULE = "params"


def check_dense(student, reference, n_inputs: int, units: int, use_bias: bool) -> None:
    expected = reference[MODULE].dense_params(n_inputs, units, use_bias)
    got = as_int(
        student.call(MODULE, "dense_params", n_inputs, units, use_bias), name="dense_params"
    )
    expect_equal(
        got,
        expected,
        what="dense_params",
        case=describe_call("dense_params", n_inputs, units, use_bias),
        diagnose=lambda value: diagnose(
            value, dense_params_variants(n_inputs, units, use_bias), expected=expected
        ),
    )


def check_conv(student, reference, kernel: Any, channels: int, filters: int, use_bias: bool):
    count = reference[MODULE].conv2d_params
    expected = count(kernel, channels, filters, use_bias)
    # x filters and x channels agree when there are as many filters as channels: ask again
    # with 3 channels and 5 filters.
    again = second_question(
        student, MODULE, "conv2d_params", [((kernel, 3, 5, use_bias), {})], expected=count,
        variants=conv_params_variants, validate=lambda value: as_int(value, name="conv2d_params"),
    )
    got = as_int(
        student.call(MODULE, "conv2d_params", kernel, channels, filters, use_bias),
        name="conv2d_params",
    )
    expect_equal(
        got,
        expected,
        what="conv2d_params",
        case=describe_call("conv2d_params", kernel, channels, filters, use_bias),
        diagnose=lambda value: diagnose(
            value, conv_params_variants(kernel, channels, filters, use_bias), expected=expected,
            again=again,
        ),
    )


DENSE_CASES = [(1600, 128, True), (128, 10, True), (50, 7, False)]


@pytest.mark.points(1)
@pytest.mark.parametrize("case", DENSE_CASES, ids=[f"{a}-{b}-bias-{c}" for a, b, c in DENSE_CASES])
def test_dense_params(student, reference, case):
    """dense_params counts one weight per input per unit, plus one bias per unit"""
    check_dense(student, reference, *case)


CONV_CASES = [(5, 3, 6, True), (3, 64, 64, True), ((2, 3), 4, 8, False), (1, 1, 5, True)]


@pytest.mark.points(1)
@pytest.mark.parametrize(
    "case", CONV_CASES, ids=[f"k{a}-c{b}-f{c}-bias-{d}" for a, b, c, d in CONV_CASES]
)
def test_conv2d_params(student, reference, case):
    """conv2d_params counts kernel_h * kernel_w * in_channels weights per filter, plus biases"""
    check_conv(student, reference, *case)


@pytest.mark.points(1)
def test_params_random(student, reference, request):
    """dense_params and conv2d_params match on random layer sizes"""
    rng = course_rng(request)
    check_dense(student, reference, int(rng.integers(2, 3000)), int(rng.integers(2, 500)),
                bool(rng.integers(0, 2)))
    kernel = (int(rng.integers(1, 8)), int(rng.integers(1, 8)))
    check_conv(student, reference, kernel, int(rng.integers(2, 129)), int(rng.integers(2, 129)),
               bool(rng.integers(0, 2)))


MNIST_LAYERS = [
    {"type": "conv2d", "filters": 64, "kernel_size": 3},
    {"type": "max_pooling2d", "pool_size": 2},
    {"type": "conv2d", "filters": 64, "kernel_size": 3},
    {"type": "max_pooling2d", "pool_size": 2},
    {"type": "flatten"},
    {"type": "dense", "units": 128},
    {"type": "dense", "units": 10},
]
STRIDED_LAYERS = [
    {"type": "conv2d", "filters": 4, "kernel_size": 5, "padding": "same"},
    {"type": "conv2d", "filters": 8, "kernel_size": 5, "strides": 2, "padding": "same"},
    {"type": "conv2d", "filters": 12, "kernel_size": 4, "strides": 2, "padding": "same"},
    {"type": "flatten"},
    {"type": "dense", "units": 200},
    {"type": "dense", "units": 10},
]
SMALL_LAYERS = [
    {"type": "conv2d", "filters": 3, "kernel_size": (3, 2), "strides": (2, 1), "use_bias": False},
    {"type": "average_pooling2d", "pool_size": 2, "strides": 1},
    {"type": "dense", "units": 5},
]
SUMMARY_CASES = {
    "small": ((9, 6, 2), SMALL_LAYERS),
    "mnist-cnn": ((28, 28, 1), MNIST_LAYERS),
    "strided-cnn": ((28, 28, 1), STRIDED_LAYERS),
}


def conv_row_question(student, layer: dict[str, Any]):
    """A second question for a conv row: the same layer alone on 3 channels, with 5 filters."""
    probe = {**layer, "filters": 5, "strides": 1, "padding": "valid"}

    def ask() -> set[str]:
        rows = as_summary(student.call(MODULE, "summarize", (6, 6, 3), [probe]),
                          name="summarize", length=1)
        return set(matching_codes(rows[0][1], conv_params_variants(
            layer["kernel_size"], 3, 5, layer.get("use_bias", True))))

    return ask


def layer_mistake(
    layer: dict[str, Any], in_shape: tuple[int, ...], got: tuple, expected: tuple, student=None
):
    """The misconception that explains one summary row, given the layer's (right) input shape."""
    kind = layer["type"]
    shape_variants: list = []
    params_variants: list = []
    if kind in ("conv2d", "max_pooling2d", "average_pooling2d") and len(in_shape) == 3:
        window = layer.get("kernel_size", layer.get("pool_size", 2))
        stride = layer.get("strides") or (1 if kind == "conv2d" else window)
        shape_variants = window_shape_variants(
            in_shape, window, stride, layer.get("padding", "valid"), filters=layer.get("filters")
        )
    if kind == "conv2d":
        params_variants = conv_params_variants(
            layer["kernel_size"], in_shape[-1], layer["filters"], layer.get("use_bias", True)
        )
    elif kind == "dense":
        params_variants = dense_params_variants(
            in_shape[-1], layer["units"], layer.get("use_bias", True)
        )
    if got[0] != expected[0]:
        return diagnose(got[0], shape_variants, expected=expected[0])
    again = conv_row_question(student, layer) if kind == "conv2d" and student else None
    return diagnose(got[1], params_variants, expected=expected[1], again=again)


@pytest.mark.points(2)
@pytest.mark.parametrize("name", list(SUMMARY_CASES), ids=list(SUMMARY_CASES))
def test_summarize(student, reference, name):
    """summarize lists each layer's output shape and parameter count, like model.summary()"""
    input_shape, layers = SUMMARY_CASES[name]
    expected = [(tuple(s), int(p)) for s, p in reference[MODULE].summarize(input_shape, layers)]
    rows = as_summary(
        student.call(MODULE, "summarize", input_shape, layers),
        name="summarize",
        length=len(layers),
    )
    shape = tuple(input_shape)
    for index, (got, want, layer) in enumerate(zip(rows, expected, layers, strict=True), start=1):
        if got != want:
            code = layer_mistake(layer, shape, got, want, student)
            raise Mismatch(
                f"summarize is wrong at layer {index} ({layer['type']})",
                case=f"input shape {input_shape}, layer {index}: {layer}",
                expected=f"shape {want[0]}, {want[1]} parameters",
                got=f"shape {got[0]}, {got[1]} parameters",
                misconception=code,
                hint=HINTS.get(code) if code else None,
                function="summarize",
            )
        shape = want[0]


@pytest.mark.points(0.5)
@pytest.mark.parametrize("args", [(5, 0, 6), (0, 3, 6)], ids=["channels-0", "kernel-0"])
def test_conv2d_params_rejects_bad_arguments(student, args):
    """conv2d_params raises ValueError for a non-positive size"""
    expect_value_error(student, MODULE, "conv2d_params", *args)
