"""Grades out to the LMS: Canvas's gradebook import CSV and a generic CSV by student id.

Every submission and every roster student gets a row: a submission nobody on
the roster owns and a student without a submission are listed (and counted in
``ExportSummary``), never dropped.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.course.paths import OutputLayout
from autograder.course.table import course_table
from autograder.grading.results import QUIZ
from autograder.reporting.store import load_results, write_text_atomic
from autograder.workspace.apply import apply_workspace
from autograder.workspace.course_config import load_config
from autograder.workspace.store import RosterEntry

CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")


@dataclass
class ExportSummary:
    """What an export wrote: the file, its row count, and the unmatched ids on each side."""

    path: Path
    rows: int = 0
    not_on_roster: list[str] = field(default_factory=list)
    without_submission: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Row:
    entry: RosterEntry | None
    result: dict[str, Any] | None


def _rows(out: Path, roster: list[RosterEntry]) -> list[_Row]:
    results, _ = load_results(OutputLayout(out))
    shown = {r["submission"]: r for r in apply_workspace(out, results)}
    rows = [_Row(entry, shown.pop(entry.submission, None)) for entry in roster]
    rows += [_Row(None, shown[sid]) for sid in sorted(shown)]
    return rows


def _summary(path: Path, rows: list[_Row]) -> ExportSummary:
    return ExportSummary(
        path=path,
        rows=len(rows),
        not_on_roster=[r.result["submission"] for r in rows if r.entry is None and r.result],
        without_submission=[r.entry.submission for r in rows if r.result is None and r.entry],
    )


def export_canvas(out: Path, target: Path, roster: list[RosterEntry]) -> ExportSummary:
    """Write Canvas's gradebook import CSV: the identity columns, then the assignment."""
    assignment = load_config(out).assignment
    rows = _rows(out, roster)
    max_score = max((r.result["max_score"] for r in rows if r.result), default=0)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*CANVAS_COLUMNS, assignment])
    writer.writerow(["Points Possible", "", "", "", "", f"{max_score:g}"])
    for row in rows:
        entry = row.entry or RosterEntry(submission="")
        name = entry.name if row.entry else f"(not on roster) {row.result['submission']}"
        # A blank grade leaves Canvas's cell alone rather than recording a zero.
        score = f"{row.result['score']:g}" if row.result else ""
        # Canvas matches rows by its own ID first; a student number there could match
        # someone else, so ID stays empty unless the roster gives Canvas's id.
        writer.writerow([name, entry.canvas_id, entry.student_id, entry.sis_login,
                         entry.section, score])
    write_text_atomic(target, buffer.getvalue())
    return _summary(target, rows)


def generic_columns() -> tuple[str, ...]:
    """The generic export's columns, one per exercise of the course table."""
    return ("student_id", "name", "submission", "status", "score", "max_score",
            *course_table().names, QUIZ, "adjustments", "late_penalty", "days_late")


def export_generic(out: Path, target: Path, roster: list[RosterEntry]) -> ExportSummary:
    """Write one row per student id (and per unmatched submission) with every column."""
    rows = _rows(out, roster)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=generic_columns(), lineterminator="\n",
                            restval="")
    writer.writeheader()
    for row in rows:
        record: dict[str, Any] = {}
        if row.entry:
            record |= {"student_id": row.entry.student_id, "name": row.entry.name,
                       "submission": row.entry.submission}
        if row.result is None:
            record["status"] = "no submission"
        else:
            result = row.result
            record |= {
                "submission": result["submission"],
                "status": "graded" if row.entry else "not on roster",
                "score": f"{result['score']:g}",
                "max_score": f"{result['max_score']:g}",
            }
            for name in (*course_table().names, QUIZ):
                record[name] = f"{result.get('exercises', {}).get(name, {}).get('score', 0):g}"
            extra = result.get("gradebook_extra", {})
            record |= {k: extra.get(k, "0") for k in ("adjustments", "late_penalty", "days_late")}
        writer.writerow(record)
    write_text_atomic(target, buffer.getvalue())
    return _summary(target, rows)
