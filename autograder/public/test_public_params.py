"""Public checks for params.py on small worked cases."""

from autograder.grading.expect import expect_equal
from autograder.grading.feedback import Mismatch
from autograder.grading.misconceptions import HINTS, diagnose
from autograder.grading.validate import as_int, as_summary
from autograder.student.marks import mark

pytestmark = [mark.exercise("params"), mark.points(0)]


def test_dense_params(student):
    """a 28x28 image into 200 dense units has 156,800 weights (bias off)"""
    got = as_int(student.call("params", "dense_params", 784, 200, False), name="dense_params")
    expect_equal(got, 156800, what="dense_params", case="dense_params(784, 200, use_bias=False)")


def test_dense_params_with_bias(student):
    """a dense layer of 128 units on 784 inputs has 100,480 parameters with biases"""
    got = as_int(student.call("params", "dense_params", 784, 128), name="dense_params")
    expect_equal(
        got,
        100480,
        what="dense_params",
        case="dense_params(784, 128)",
        diagnose=lambda value: diagnose(
            value, {"params-missing-bias": 100352}, expected=100480
        ),
    )


@mark.parametrize(
    ("kernel", "channels", "filters", "expected"),
    [(5, 1, 6, 156), (3, 3, 8, 224)],
    ids=["gray", "rgb"],
)
def test_conv2d_params(student, kernel, channels, filters, expected):
    """six 5x5 filters on a gray image have 156 parameters; eight 3x3 on RGB have 224"""
    got = as_int(
        student.call("params", "conv2d_params", kernel, channels, filters), name="conv2d_params"
    )
    mistakes = {
        "params-missing-bias": expected - filters,
        "params-missing-channels": kernel * kernel * filters + filters,
    }
    expect_equal(
        got,
        expected,
        what="conv2d_params",
        case=f"conv2d_params({kernel}, {channels}, {filters})",
        diagnose=lambda value: diagnose(value, mistakes, expected=expected),
    )


def test_summarize_first_layers(student):
    """summarize of Conv2D(16, 3) and MaxPooling2D(2) on 32x32x1 gives 160 and 0 parameters"""
    layers = [
        {"type": "conv2d", "filters": 16, "kernel_size": 3},
        {"type": "max_pooling2d", "pool_size": 2},
    ]
    rows = as_summary(
        student.call("params", "summarize", (32, 32, 1), layers), name="summarize", length=2
    )
    expected = [((30, 30, 16), 160), ((15, 15, 16), 0)]
    for index, (got, want) in enumerate(zip(rows, expected, strict=True), start=1):
        if got != want:
            code = "params-missing-bias" if got == ((30, 30, 16), 144) else None
            raise Mismatch(
                f"summarize is wrong at layer {index}",
                case=f"summarize((32, 32, 1), {layers})",
                expected=f"shape {want[0]}, {want[1]} parameters",
                got=f"shape {got[0]}, {got[1]} parameters",
                misconception=code,
                hint=HINTS.get(code) if code else None,
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
    rows = as_summary(
        student.call("params", "summarize", (28, 28, 1), layers), name="summarize", length=7
    )
    total = sum(params for _, params in rows)
    expect_equal(total, 243786, what="summarize (total parameters)", case="the MNIST CNN")
