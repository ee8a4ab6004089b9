"""Literal values students write, evaluated in the grader with bounds and no lookups."""

from __future__ import annotations

import ast

import pytest

from autograder.load.literals import literal_value


class TestLiteralValue:
    def test_arithmetic_on_numbers_is_computed(self):
        """784 * 300 reads as 235200, as the student meant."""
        assert literal_value(ast.parse("784 * 300", mode="eval").body) == 235200

    @pytest.mark.parametrize("text", ["9 ** 9 ** 9", "'a' * 10**9", "f(1)", "[x]"])
    def test_huge_or_computed_values_are_refused(self, text):
        """Values that would take long to compute or run code raise ValueError at once."""
        with pytest.raises(ValueError):
            literal_value(ast.parse(text, mode="eval").body)

    def test_deep_nesting_is_refused(self):
        """A deeply nested literal raises ValueError, not RecursionError."""
        node = ast.parse("[" * 80 + "]" * 80, mode="eval").body
        with pytest.raises(ValueError, match="nested"):
            literal_value(node)
