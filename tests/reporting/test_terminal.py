"""Terminal tables: student-supplied text is shown as written, never read as markup."""

from __future__ import annotations

from rich.console import Console

from autograder.grading.results import TestOutcome
from autograder.reporting.terminal import check_table
from autograder.student.check import CheckReport, CheckRow


def _render(table) -> str:
    console = Console(record=True, width=160, color_system=None)
    console.print(table)
    return console.export_text()


def test_check_table_keeps_bracketed_case_ids_and_output():
    """A case id like [gray] and output holding [red] reach the screen literally."""
    failing = TestOutcome("six filters [gray]", "params", 0.0, 1.0, "failed",
                          output="Got: [red]not a style[/red]")
    report = CheckReport(rows=[CheckRow("params", [failing])])
    text = _render(check_table(report))
    assert "six filters [gray]" in text
    assert "[red]not a style[/red]" in text
    assert "0/1" in text


def test_check_table_folds_untouched_stubs_into_one_line():
    """Failures of stubs that still raise NotImplementedError become one 'not started' line."""
    stub = "Your code raised: NotImplementedError: {} is not implemented yet"
    outcomes = [
        TestOutcome("dense case", "params", 0.0, 1.0, "failed", output=stub.format("dense_params")),
        TestOutcome("conv case", "params", 0.0, 1.0, "failed",
                    output=stub.format("conv2d_params")),
        TestOutcome("other dense case", "params", 0.0, 1.0, "failed",
                    output=stub.format("dense_params")),
        TestOutcome("summary case", "params", 0.0, 1.0, "failed", output="Got: 3, expected 4"),
    ]
    text = _render(check_table(CheckReport(rows=[CheckRow("params", outcomes)])))
    assert "not started yet: conv2d_params, dense_params" in text
    assert "dense case" not in text and "summary case" in text and "expected 4" in text
    assert "0/4" in text


def test_check_table_collapses_one_cause_into_one_entry():
    """Three cases failing the same way are one entry that counts them."""
    details = {"function": "conv_forward", "got": "x", "misconception": "kernel-flipped"}
    outcomes = [
        TestOutcome(f"conv case [{n}]", "convolution", 0.0, 1.0, "failed",
                    output=f"conv_forward is wrong (case {n})",
                    tags=["misconception:kernel-flipped"], details=details)
        for n in range(3)
    ]
    text = _render(check_table(CheckReport(rows=[CheckRow("convolution", outcomes)])))
    assert "failed 3 of 3 cases" in text and text.count("conv_forward is wrong") == 1
