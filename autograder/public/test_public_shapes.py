"""Public checks for shapes.py on small worked cases."""

from autograder.grading.expect import expect_equal
from autograder.grading.misconceptions import diagnose
from autograder.grading.support import expect_value_error
from autograder.grading.validate import as_int, as_shape
from autograder.student.marks import mark

pytestmark = [mark.exercise("shapes"), mark.points(0)]


@mark.parametrize(
    ("args", "expected"),
    [((32, 3), 30), ((15, 3), 13), ((20, 4, 2, "same"), 10), ((7, 3, 2, "same"), 4)],
    ids=["32-3", "15-3", "20-4-s2-same", "7-3-s2-same"],
)
def test_conv_output_size(student, args, expected):
    """conv_output_size matches small worked sizes"""
    got = as_int(student.call("shapes", "conv_output_size", *args), name="conv_output_size")
    expect_equal(
        got,
        expected,
        what="conv_output_size",
        case=f"conv_output_size{args}",
        diagnose=lambda value: diagnose(
            value, {"off-by-one": expected - 1, "stride-ignored": args[0]}, expected=expected
        ),
    )


def test_conv_output_shape(student):
    """conv_output_shape((20, 20, 8), 6, 4, 2, "same") is (10, 10, 6)"""
    got = as_shape(
        student.call("shapes", "conv_output_shape", (20, 20, 8), 6, 4, 2, "same"),
        name="conv_output_shape",
    )
    expect_equal(
        got,
        (10, 10, 6),
        what="conv_output_shape",
        case='conv_output_shape((20, 20, 8), 6, 4, 2, "same")',
        diagnose=lambda value: diagnose(
            value, {"channels-first": (6, 10, 10), "stride-ignored": (20, 20, 6)},
            expected=(10, 10, 6),
        ),
    )


def test_conv_output_shape_non_square(student):
    """height and width stay apart: (12, 20, 3) with a 3x5 kernel and 4 filters is (10, 16, 4)"""
    got = as_shape(
        student.call("shapes", "conv_output_shape", (12, 20, 3), 4, (3, 5)),
        name="conv_output_shape",
    )
    expect_equal(got, (10, 16, 4), what="conv_output_shape",
                 case="conv_output_shape((12, 20, 3), 4, (3, 5))")


def test_pool_output_shape(student):
    """pooling (13, 13, 32) by 2 gives (6, 6, 32): the odd leftover row and column are dropped"""
    shape = as_shape(
        student.call("shapes", "pool_output_shape", (13, 13, 32), 2), name="pool_output_shape"
    )
    expect_equal(
        shape,
        (6, 6, 32),
        what="pool_output_shape",
        case="pool_output_shape((13, 13, 32), 2)",
        diagnose=lambda value: diagnose(
            value, {"stride-ignored": (12, 12, 32), "off-by-one": (7, 7, 32)},
            expected=(6, 6, 32),
        ),
    )


def test_flatten_size(student):
    """(6, 6, 32) flattens to 1152 values"""
    size = as_int(student.call("shapes", "flatten_size", (6, 6, 32)), name="flatten_size")
    expect_equal(size, 1152, what="flatten_size", case="flatten_size((6, 6, 32))")


def test_conv_output_size_rejects_stride_0(student):
    """conv_output_size raises ValueError for stride 0"""
    expect_value_error(student, "shapes", "conv_output_size", 28, 3, 0)
