"""Public checks for params.py, with the lecture's numbers."""

import pytest

from autograder.feedback import as_int, compare

pytestmark = [pytest.mark.exercise("params"), pytest.mark.points(1)]


def test_dense_params(student):
    """a 28x28 image into 300 dense units has 235,200 weights (bias off)"""
    got = as_int(student.call("params", "dense_params", 784, 300, False), name="dense_params")
    compare(got, 235200, what="dense_params", case="dense_params(784, 300, use_bias=False)")


@pytest.mark.parametrize(("channels", "expected"), [(1, 156), (3, 456)], ids=["gray", "rgb"])
def test_conv2d_params(student, channels, expected):
    """six 5x5 filters have 156 parameters on a gray image and 456 on an RGB one"""
    got = as_int(student.call("params", "conv2d_params", 5, channels, 6), name="conv2d_params")
    compare(
        got,
        expected,
        what="conv2d_params",
        case=f"conv2d_params(5, {channels}, 6)",
        candidates={"params-missing-bias": expected - 6, "params-missing-channels": 5 * 5 * 6 + 6},
    )


def test_summarize_total(student):
    """summarize of the lecture's MNIST CNN adds up to 243,786 parameters"""
    layers = [
        {"type": "conv2d", "filters": 64, "kernel_size": 3},
        {"type": "max_pooling2d", "pool_size": 2},
        {"type": "conv2d", "filters": 64, "kernel_size": 3},
        {"type": "max_pooling2d", "pool_size": 2},
        {"type": "flatten"},
        {"type": "dense", "units": 128},
        {"type": "dense", "units": 10},
    ]
    rows = student.call("params", "summarize", (28, 28, 1), layers)
    total = (
        sum(as_int(row[1], name="summarize params") for row in rows) if type(rows) is list else -1
    )
    compare(total, 243786, what="summarize (total parameters)", case="the MNIST CNN of the lecture")
