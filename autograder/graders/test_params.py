"""Hidden tests for params.py: parameter counts and a hand-made model summary."""

from __future__ import annotations

import pytest

from autograder.feedback import Mismatch, as_int, as_shape, compare
from autograder.grader_support import describe_call, expect_value_error
from autograder.misconceptions import HINTS, pair

pytestmark = pytest.mark.exercise("params")
MODULE = "params"

DENSE_CASES = [(784, 300, True), (784, 128, True), (1600, 128, False), (128, 10, True)]


@pytest.mark.points(0.75)
@pytest.mark.parametrize("case", DENSE_CASES, ids=[f"{a}-{b}-bias{c}" for a, b, c in DENSE_CASES])
def test_dense_params(student, reference, case):
    """dense_params counts one weight per input per unit, plus one bias per unit"""
    n_inputs, units, use_bias = case
    expected = reference[MODULE].dense_params(n_inputs, units, use_bias)
    got = as_int(
        student.call(MODULE, "dense_params", n_inputs, units, use_bias), name="dense_params"
    )
    compare(
        got,
        expected,
        what="dense_params",
        case=describe_call("dense_params", n_inputs, units, use_bias),
        candidates={"params-missing-bias": n_inputs * units},
    )


CONV_CASES = [
    (5, 3, 6, True),
    (5, 1, 6, True),
    (3, 64, 64, True),
    ((2, 3), 4, 8, False),
    (4, 8, 12, True),
]


@pytest.mark.points(1)
@pytest.mark.parametrize(
    "case", CONV_CASES, ids=[f"k{a}-c{b}-f{c}-bias{d}" for a, b, c, d in CONV_CASES]
)
def test_conv2d_params(student, reference, case):
    """conv2d_params counts kernel_h * kernel_w * in_channels weights per filter, plus biases"""
    kernel, channels, filters, use_bias = case
    expected = reference[MODULE].conv2d_params(kernel, channels, filters, use_bias)
    got = as_int(
        student.call(MODULE, "conv2d_params", kernel, channels, filters, use_bias),
        name="conv2d_params",
    )
    kh, kw = pair(kernel)
    bias = filters if use_bias else 0
    compare(
        got,
        expected,
        what="conv2d_params",
        case=describe_call("conv2d_params", kernel, channels, filters, use_bias),
        candidates={
            "params-missing-bias": kh * kw * channels * filters,
            "params-missing-channels": kh * kw * filters + bias,
        },
    )


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
    "mnist-cnn": ((28, 28, 1), MNIST_LAYERS),
    "strided-cnn": ((28, 28, 1), STRIDED_LAYERS),
    "small": ((9, 6, 2), SMALL_LAYERS),
}


def _layer_mistake(
    layer: dict, in_shape: tuple, got_params: int, expected_params: int
) -> str | None:
    """Which parameter-count mistake explains one layer's wrong count."""
    if layer["type"] == "dense":
        weights = in_shape[-1] * layer["units"]
        return "params-missing-bias" if got_params == weights else None
    if layer["type"] == "conv2d":
        kh, kw = pair(layer["kernel_size"])
        weights = kh * kw * in_shape[-1] * layer["filters"]
        if got_params == weights and weights != expected_params:
            return "params-missing-bias"
        bias = layer["filters"] if layer.get("use_bias", True) else 0
        if got_params == kh * kw * layer["filters"] + bias:
            return "params-missing-channels"
    return None


@pytest.mark.points(2)
@pytest.mark.parametrize("name", list(SUMMARY_CASES), ids=list(SUMMARY_CASES))
def test_summarize(student, reference, name):
    """summarize lists each layer's output shape and parameter count, like model.summary()"""
    input_shape, layers = SUMMARY_CASES[name]
    expected = reference[MODULE].summarize(input_shape, layers)
    value = student.call(MODULE, "summarize", input_shape, layers)
    if type(value) is not list or len(value) != len(expected):
        raise Mismatch(
            "summarize must return one (shape, params) pair per layer",
            case=f"summarize({input_shape}, <{len(layers)} layers>)",
            expected=f"a list of {len(expected)} pairs",
            got=repr(value)[:200],
        )
    shape = tuple(input_shape)
    for index, (row, (want_shape, want_params), layer) in enumerate(
        zip(value, expected, layers, strict=True), start=1
    ):
        if type(row) not in (list, tuple) or len(row) != 2:
            raise Mismatch(
                f"row {index} of summarize must be a (shape, params) pair", got=repr(row)[:120]
            )
        got_shape = as_shape(row[0], name=f"summarize row {index} shape")
        got_params = as_int(row[1], name=f"summarize row {index} params")
        if got_shape != tuple(want_shape) or got_params != want_params:
            code = _layer_mistake(layer, shape, got_params, want_params)
            raise Mismatch(
                f"summarize is wrong at layer {index} ({layer['type']})",
                case=f"input {input_shape}, layer {index}: {layer}",
                expected=f"shape {tuple(want_shape)}, {want_params} parameters",
                got=f"shape {got_shape}, {got_params} parameters",
                misconception=code,
                hint=HINTS.get(code) if code else None,
            )
        shape = tuple(want_shape)


@pytest.mark.points(0.5)
@pytest.mark.parametrize("args", [(5, 0, 6), (0, 3, 6)], ids=["channels-0", "kernel-0"])
def test_conv2d_params_rejects_bad_arguments(student, args):
    """conv2d_params raises ValueError for a non-positive size"""
    expect_value_error(student, MODULE, "conv2d_params", *args)
