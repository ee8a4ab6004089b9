"""The class gradebook: one CSV row per submission, columns in a stable order."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from autograder.loading import NO_WORK
from autograder.output import write_text_atomic
from autograder.paths import OutputLayout
from autograder.points import shown_parts
from autograder.results import EXERCISES, QUIZ

COLUMNS: tuple[str, ...] = (
    "submission", "score", "max_score", *EXERCISES, QUIZ, "errors", "notes"
)


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
    names = (*EXERCISES, QUIZ)
    parts, total = shown_parts([float(exercises.get(n, {}).get("score", 0)) for n in names])
    row: dict[str, Any] = {
        "submission": result["submission"],
        "score": _number(total),
        "max_score": _number(shown_parts([float(result["max_score"])])[1]),
        "errors": len(result.get("errors", [])),
        "notes": NO_WORK if result.get("no_work") else "",
    }
    row.update({name: _number(part) for name, part in zip(names, parts, strict=True)})
    return row


def render_gradebook(results: Iterable[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(gradebook_rows(results))
    return buffer.getvalue()


def write_gradebook(layout: OutputLayout, results: Iterable[dict[str, Any]]) -> None:
    write_text_atomic(layout.gradebook, render_gradebook(results))


def _number(value: float) -> str:
    return f"{float(value):g}"
