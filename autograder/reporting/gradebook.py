"""The class gradebook: one CSV row per submission, columns in a stable order."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from autograder.course.paths import OutputLayout
from autograder.course.table import course_table
from autograder.grading.points import shown_parts
from autograder.grading.results import QUIZ
from autograder.load.submission import NO_WORK
from autograder.reporting.store import write_text_atomic


def columns() -> tuple[str, ...]:
    """The gradebook's columns: totals, one per exercise of the course table, the quiz, notes."""
    return ("submission", "score", "max_score", *course_table().names, QUIZ, "errors", "notes")


def gradebook_rows(results: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per stored result; an exercise the result lacks scores 0.

    Scores are stored exactly and rounded here, so that the columns shown
    always add up to the score shown.
    """
    rows = []
    for result in sorted(results, key=lambda r: str(r["submission"])):
        try:
            rows.append(_row(result))
        except (AttributeError, KeyError, TypeError, ValueError):
            # A damaged result file costs its own row's numbers, never the gradebook.
            rows.append({"submission": result["submission"], "errors": "unreadable result"})
    return rows


def _row(result: dict[str, Any]) -> dict[str, Any]:
    exercises = result.get("exercises", {})
    names = (*course_table().names, QUIZ)
    parts, total = shown_parts([float(exercises.get(n, {}).get("score", 0)) for n in names])
    row: dict[str, Any] = {
        "submission": result["submission"],
        "score": _number(total),
        "max_score": _number(shown_parts([float(result["max_score"])])[1]),
        "errors": len(result.get("errors", [])),
        "notes": NO_WORK if result.get("no_work") else "",
    }
    row.update({name: _number(part) for name, part in zip(names, parts, strict=True)})
    extra = result.get("gradebook_extra", {})  # TA workspace columns, if any
    if extra:
        row.update(extra)
        # The late penalty is its own column: the parts less the penalty make the score.
        row["score"] = _number(round(total - float(extra.get("late_penalty", 0)), 2))
    return row


def render_gradebook(results: Iterable[dict[str, Any]]) -> str:
    """The gradebook CSV of ``results``: the fixed columns, then any extra column a result has."""
    results = list(results)
    extra = sorted({k for r in results for k in r.get("gradebook_extra", {})})
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=(*columns(), *extra), lineterminator="\n")
    writer.writeheader()
    writer.writerows(gradebook_rows(results))
    return buffer.getvalue()


def write_gradebook(layout: OutputLayout, results: Iterable[dict[str, Any]]) -> None:
    """Write the gradebook CSV of ``results`` to ``gradebook.csv``, atomically."""
    write_text_atomic(layout.gradebook, render_gradebook(results))


def _number(value: float) -> str:
    return f"{float(value):g}"
