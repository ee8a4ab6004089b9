"""Public checks for shapes.py, with the lecture's numbers."""

import pytest

from autograder.feedback import as_int, as_shape, expect_equal
from autograder.grader_support import expect_value_error
from autograder.misconceptions import diagnose

pytestmark = [pytest.mark.exercise("shapes"), pytest.mark.points(1)]


@pytest.mark.parametrize(
    ("args", "expected"),
    [((28, 3), 26), ((13, 3), 11), ((28, 4, 2, "same"), 14)],
    ids=["28-3", "13-3", "28-4-s2-same"],
)
def test_conv_output_size(student, args, expected):
    """conv_output_size matches the lecture's sizes"""
    got = as_int(student.call("shapes", "conv_output_size", *args), name="conv_output_size")
    expect_equal(
        got,
        expected,
        what="conv_output_size",
        case=f"conv_output_size{args}",
        diagnose=lambda value: diagnose(
            value, {"off-by-one": expected - 1, "stride-ignored": 28}, expected=expected
        ),
    )


def test_conv_output_shape(student):
    """conv_output_shape((28, 28, 8), 12, 4, 2, "same") is (14, 14, 12)"""
    got = as_shape(
        student.call("shapes", "conv_output_shape", (28, 28, 8), 12, 4, 2, "same"),
        name="conv_output_shape",
    )
    expect_equal(
        got,
        (14, 14, 12),
        what="conv_output_shape",
        case='conv_output_shape((28, 28, 8), 12, 4, 2, "same")',
        diagnose=lambda value: diagnose(
            value, {"channels-first": (12, 14, 14), "stride-ignored": (28, 28, 12)},
            expected=(14, 14, 12),
        ),
    )


def test_pool_and_flatten(student):
    """pooling (11, 11, 64) by 2 gives (5, 5, 64), which flattens to 1600"""
    shape = as_shape(
        student.call("shapes", "pool_output_shape", (11, 11, 64), 2), name="pool_output_shape"
    )
    expect_equal(
        shape,
        (5, 5, 64),
        what="pool_output_shape",
        case="pool_output_shape((11, 11, 64), 2)",
        diagnose=lambda value: diagnose(
            value, {"stride-ignored": (10, 10, 64), "off-by-one": (6, 6, 64)},
            expected=(5, 5, 64),
        ),
    )
    size = as_int(student.call("shapes", "flatten_size", (5, 5, 64)), name="flatten_size")
    expect_equal(size, 1600, what="flatten_size", case="flatten_size((5, 5, 64))")


def test_conv_output_size_rejects_stride_0(student):
    """conv_output_size raises ValueError for stride 0"""
    expect_value_error(student, "shapes", "conv_output_size", 28, 3, 0)
