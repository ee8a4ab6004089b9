"""Rebuild reports and the gradebook from stored results, running no student code."""

from __future__ import annotations

from pathlib import Path

from autograder.gradebook import write_gradebook
from autograder.output import load_results
from autograder.paths import OutputLayout
from autograder.report import write_all_reports


def regenerate(out: Path) -> tuple[int, list[str]]:
    """Rewrite ``reports/*`` and ``gradebook.csv``; return the count and unreadable files."""
    layout = OutputLayout(out)
    results, unreadable = load_results(layout)
    count = write_all_reports(layout, results)
    write_gradebook(layout, results)
    return count, unreadable
