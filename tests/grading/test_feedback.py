"""Tests for autograder.grading.{validate,expect,feedback}: validating, comparing and explaining."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.grading.expect import compare, expect_close, expect_equal
from autograder.grading.feedback import Mismatch, show_array
from autograder.grading.misconceptions import HINTS
from autograder.grading.validate import as_array, as_float, as_int, as_shape, as_summary


class AlwaysEqual:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


class TestAsArray:
    def test_numeric_arrays_and_lists_become_float64_copies(self):
        """Int arrays and nested lists of numbers become independent float64 arrays."""
        source = np.arange(4).reshape(2, 2)
        got = as_array(source, name="f")
        assert got.dtype == np.float64 and got.tolist() == [[0, 1], [2, 3]]
        source[0, 0] = 9
        assert got[0, 0] == 0
        assert as_array([[1, 2.5], [3, 4]], name="f").tolist() == [[1.0, 2.5], [3.0, 4.0]]

    @pytest.mark.parametrize(
        ("value", "message"),
        [
            (None, "must return a NumPy array"),
            ("1", "must return a NumPy array"),
            (AlwaysEqual(), "must return a NumPy array"),
            (np.array(["1"]), "real numbers"),
            (np.array([True]), "real numbers"),
            (np.array([1 + 2j]), "real numbers"),
            ([1, "2"], "array of numbers"),
            ([True, 1], "array of numbers"),
            ([[1, 2], [3]], "rectangular"),
            (np.array([1.0, np.nan]), "NaN or infinite"),
            (np.array([np.inf]), "NaN or infinite"),
        ],
        ids=["none", "str", "always-equal", "str-array", "bool-array", "complex", "mixed-list",
             "bool-in-list", "ragged", "nan", "inf"],
    )
    def test_unusable_values_are_refused_with_the_reason(self, value, message):
        """Anything but a finite real array is refused, and the message says what is wrong."""
        with pytest.raises(Mismatch, match=message):
            as_array(value, name="conv_forward")

    def test_shape_and_ndim_are_checked_when_given(self):
        """A wrong number of dimensions or a wrong shape is refused."""
        with pytest.raises(Mismatch, match="2-D"):
            as_array(np.zeros(3), name="f", ndim=2)
        with pytest.raises(Mismatch, match="wrong shape") as info:
            as_array(np.zeros((2, 3)), name="f", shape=(3, 2))
        assert info.value.expected == "shape (3, 2)" and info.value.got == "shape (2, 3)"
        assert as_array(np.zeros((3, 2)), name="f", shape=(3, 2), ndim=2).shape == (3, 2)


class TestScalars:
    def test_as_int_takes_ints_only(self):
        """Ints pass; bools, floats (even whole ones) and strings are refused."""
        assert as_int(26, name="f") == 26
        for value in (True, "26", None, AlwaysEqual()):
            with pytest.raises(Mismatch, match="must return an int"):
                as_int(value, name="f")
        with pytest.raises(Mismatch, match="//"):
            as_int(26.0, name="f")

    def test_as_float_takes_numbers_and_one_element_arrays(self):
        """Numbers and one-element arrays become floats; NaN and text are refused."""
        assert as_float(3, name="f") == 3.0
        assert as_float(np.array([[2.5]]), name="f") == 2.5
        for value in (float("nan"), "3", np.zeros(2), None):
            with pytest.raises(Mismatch):
                as_float(value, name="f")

    def test_as_shape_takes_tuples_and_lists_of_ints(self):
        """A list or tuple of ints becomes a tuple; the wrong length or element type is refused."""
        assert as_shape([26, 26, 64], name="f", length=3) == (26, 26, 64)
        for value in ((26.0, 26, 64), (True, 2, 3), "26x26x64", None):
            with pytest.raises(Mismatch, match="tuple of ints"):
                as_shape(value, name="f")
        with pytest.raises(Mismatch, match="3 ints"):
            as_shape((26, 26), name="f", length=3)

    def test_as_summary_checks_every_row(self):
        """A summary must be a list of (shape, int) pairs of the right length."""
        assert as_summary([((26, 26, 64), 640), [[13, 13, 64], 0]], name="s", length=2) == [
            ((26, 26, 64), 640),
            ((13, 13, 64), 0),
        ]
        with pytest.raises(Mismatch, match="one \\(shape, params\\) pair per layer"):
            as_summary([((1,), 1)], name="s", length=2)
        with pytest.raises(Mismatch, match="row 2"):
            as_summary([((1,), 1), ((1,), 1.5)], name="s", length=2)


class TestExpectClose:
    def test_close_arrays_pass(self):
        """Values within tolerance and of the same shape pass."""
        expect_close(np.ones((2, 2)) + 1e-9, np.ones((2, 2)), case="c")

    def test_a_wrong_value_reports_case_expected_got_and_count(self):
        """A wrong value names the case, shows both arrays and counts the wrong positions."""
        with pytest.raises(Mismatch) as info:
            expect_close(np.array([1.0, 5.0]), np.array([1.0, 2.0]), case="f(x)", what="f")
        failure = info.value
        assert failure.message == "f is wrong at 1 of 2 positions"
        assert failure.case == "f(x)" and "2." in failure.expected and "5." in failure.got
        assert failure.misconception is None and failure.hint is None

    def test_the_function_is_recorded_for_confirming_diagnoses(self):
        """A failure names the student function it checked, so hints are confirmed per function."""
        with pytest.raises(Mismatch) as info:
            expect_close(np.array([5.0]), np.array([2.0]), case="f(x)", what="conv_forward")
        assert info.value.details()["function"] == "conv_forward"

    def test_a_diagnosed_mistake_adds_code_and_hint(self):
        """When diagnose names a code, the hint of that code is part of the feedback."""
        with pytest.raises(Mismatch) as info:
            expect_close(np.zeros((1, 3, 3, 1)), np.ones((1, 2, 2, 1)), case="c",
                         diagnose=lambda got: "stride-ignored")
        failure = info.value
        assert "shape (1, 3, 3, 1), expected (1, 2, 2, 1)" in failure.message
        assert failure.misconception == "stride-ignored"
        assert f"Hint (stride-ignored): {HINTS['stride-ignored']}" in failure.render()
        assert failure.details()["misconception"] == "stride-ignored"

    def test_small_inputs_are_shown(self):
        """Inputs small enough to redo by hand are printed with the failure."""
        with pytest.raises(Mismatch) as info:
            expect_close(np.zeros(1), np.ones(1), case="c", inputs={"W": np.eye(2)})
        assert "Input W: array of shape (2, 2)" in info.value.render()

    def test_the_students_object_is_never_asked_about_equality(self):
        """An always-equal object is refused by validation, never compared."""
        with pytest.raises(Mismatch, match="NumPy array"):
            expect_close(AlwaysEqual(), np.ones(2), case="c")


class TestExpectEqual:
    def test_equal_ints_and_tuples_pass_and_others_fail(self):
        """Validated ints and tuples are compared by value and type."""
        expect_equal(26, 26, case="c")
        expect_equal((13, 13, 64), (13, 13, 64), case="c")
        with pytest.raises(Mismatch, match="is wrong") as info:
            expect_equal(25, 26, case="c", diagnose=lambda got: "off-by-one")
        assert info.value.misconception == "off-by-one"
        with pytest.raises(TypeError):
            expect_equal(AlwaysEqual(), 26, case="c")

    def test_compare_accepts_a_candidate_table(self):
        """compare diagnoses with a table of what each mistake would give."""
        with pytest.raises(Mismatch) as info:
            compare(576, 640, what="conv2d_params", case="c",
                    candidates={"params-missing-bias": 576})
        assert info.value.misconception == "params-missing-bias"
        compare(640, 640, what="conv2d_params", case="c")


class TestShowArray:
    def test_feature_maps_are_shown_as_grids(self):
        """A batch is shown one H x W grid per example and channel."""
        text = show_array(np.arange(8.0).reshape(1, 2, 2, 2))
        assert text.splitlines()[0] == "array of shape (1, 2, 2, 2):"
        assert "[example 0, channel 1]" in text and "[[1. 3.]" in text

    def test_large_arrays_are_elided(self):
        """Large arrays are cut short instead of printed in full."""
        assert len(show_array(np.zeros((4, 30, 30, 3)))) < 1500
        assert "..." in show_array(np.arange(1000.0))


def test_show_array_draws_a_filter_bank_per_filter_and_input_channel():
    """With kernel=True a (f_h, f_w, C_prev, C) array shows one f_h x f_w grid per pair."""
    W = np.zeros((2, 3, 1, 2))
    W[:, :, 0, 1] = [[1, 2, 3], [4, 5, 6]]
    text = show_array(W, kernel=True)
    assert "[filter 1, input channel 0]" in text and "example" not in text
    assert "[[1. 2. 3.]\n     [4. 5. 6.]]" in text
