"""Terminal tables: student-supplied text is shown as written, never read as markup."""

from __future__ import annotations

from rich.console import Console

from autograder.check import CheckReport, CheckRow
from autograder.results import TestOutcome
from autograder.views import check_table


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
