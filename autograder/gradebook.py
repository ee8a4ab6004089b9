"""The class gradebook: one CSV row per submission, columns in a stable order."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from autograder.output import write_text_atomic
from autograder.paths import OutputLayout
from autograder.results import EXERCISES, QUIZ

COLUMNS: tuple[str, ...] = ("submission", "score", "max_score", *EXERCISES, QUIZ, "errors")


def gradebook_rows(results: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per stored result; an exercise the result lacks scores 0."""
    rows = []
    for result in sorted(results, key=lambda r: str(r["submission"])):
        try:
            rows.append(_row(result))
        except (AttributeError, KeyError, TypeError, ValueError):
            # A damaged result file costs its own row's numbers, never the gradebook.
            rows.append({"submission": result["submission"], "errors": "unreadable result"})
    return rows


def _row(result: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {
        "submission": result["submission"],
        "score": _number(result["score"]),
        "max_score": _number(result["max_score"]),
        "errors": len(result.get("errors", [])),
    }
    exercises = result.get("exercises", {})
    for name in (*EXERCISES, QUIZ):
        row[name] = _number(exercises.get(name, {}).get("score", 0))
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
