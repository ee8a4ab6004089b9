"""What the TA pages show, built from shown results, the database and the similarity ranking."""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from autograder.course.table import course_table
from autograder.grading.results import QUIZ
from autograder.workspace.store import RosterEntry


@dataclass
class Row:
    """One submission in the class table."""

    submission: str
    name: str
    score: float
    max_score: float
    exercises: dict[str, tuple[float, float]]
    misconceptions: list[str]
    days_late: int
    similarity: float  # the best flagged pair score, 0 when not flagged
    adjusted: bool
    missing: bool = False  # on the roster, but no submission was graded
    open_requests: int = 0  # regrade requests not yet resolved

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.max_score if self.max_score else 0.0


@dataclass(frozen=True)
class Filters:
    """Which rows the class table shows (score, exercise, lateness, flags...) and in what order."""

    min_score: float | None = None  # percent
    max_score: float | None = None
    exercise: str = ""  # only rows that lost points in this exercise
    misconception: str = ""
    late: str = ""  # "late" or "on-time"
    flagged: bool = False
    requests: bool = False  # only rows with an open regrade request
    sort: str = "submission"
    descending: bool = False


def misconceptions(result: Mapping[str, Any]) -> list[str]:
    """The misconception codes a result's tests were tagged with, sorted, each once."""
    return sorted({
        tag.split(":", 1)[1]
        for t in result.get("tests", [])
        for tag in t.get("tags", [])
        if tag.startswith("misconception:")
    })


def build_rows(
    results: Sequence[Mapping[str, Any]], roster: Sequence[RosterEntry], flags: Mapping[str, float],
    open_requests: Mapping[str, int] | None = None,
) -> list[Row]:
    """One row per graded submission, then one per roster student without a submission."""
    open_requests = open_requests or {}
    names = {e.submission: e.name for e in roster}
    rows = []
    for result in results:
        sid = result["submission"]
        extra = result.get("gradebook_extra", {})
        rows.append(Row(
            submission=sid,
            name=names.get(sid, ""),
            score=float(result["score"]),
            max_score=float(result["max_score"]),
            exercises={k: (v["score"], v["max_score"])
                       for k, v in result.get("exercises", {}).items()},
            misconceptions=misconceptions(result),
            days_late=int(extra.get("days_late", 0)),
            similarity=flags.get(sid, 0.0),
            adjusted=float(extra.get("adjustments", 0)) != 0,
            open_requests=open_requests.get(sid, 0),
        ))
    graded = {r.submission for r in rows}
    rows += [
        Row(e.submission, e.name, 0.0, 0.0, {}, [], 0, 0.0, False, missing=True)
        for e in roster if e.submission not in graded
    ]
    return rows


def select(rows: Sequence[Row], f: Filters) -> list[Row]:
    """The rows that pass every filter, sorted as asked."""
    kept = [
        r for r in rows
        if (f.min_score is None or r.percent >= f.min_score)
        and (f.max_score is None or r.percent <= f.max_score)
        and (not f.exercise or (f.exercise in r.exercises
                                and r.exercises[f.exercise][0] < r.exercises[f.exercise][1]))
        and (not f.misconception or f.misconception in r.misconceptions)
        and (f.late != "late" or r.days_late > 0)
        and (f.late != "on-time" or r.days_late == 0)
        and (not f.flagged or r.similarity > 0)
        and (not f.requests or r.open_requests > 0)
    ]
    key = {
        "submission": lambda r: r.submission,
        "name": lambda r: (r.name, r.submission),
        "score": lambda r: (r.percent, r.submission),
        "late": lambda r: (r.days_late, r.submission),
        "similarity": lambda r: (r.similarity, r.submission),
    }.get(f.sort, lambda r: r.submission)
    return sorted(kept, key=key, reverse=f.descending)


@dataclass
class Misconception:
    """One misconception across the class: who made it and a representative failing test."""

    code: str
    students: list[str] = field(default_factory=list)
    example: Mapping[str, Any] | None = None  # a representative failing test


def misconception_view(results: Sequence[Mapping[str, Any]]) -> list[Misconception]:
    """Each diagnosed code, the students who made it, and its shortest failing case."""
    found: dict[str, Misconception] = {}
    for result in results:
        for test in result.get("tests", []):
            for tag in test.get("tags", []):
                if not tag.startswith("misconception:"):
                    continue
                entry = found.setdefault(tag.split(":", 1)[1], Misconception(tag.split(":", 1)[1]))
                if result["submission"] not in entry.students:
                    entry.students.append(result["submission"])
                if entry.example is None or len(test.get("output", "")) < len(
                        entry.example.get("output", "")):
                    entry.example = test
    return sorted(found.values(), key=lambda m: (-len(m.students), m.code))


_TRACE_LINE = re.compile(r'File "[^"]*?([A-Za-z_]\w*\.py)", line (\d+)')


def failing_lines(result: Mapping[str, Any], files: Mapping[str, str]) -> dict[str, set[int]]:
    """Per file, the lines a failing test points at: traceback lines and failing functions."""
    marks: dict[str, set[int]] = {}
    failing: set[tuple[str, str]] = set()
    for test in result.get("tests", []):
        if test.get("status") == "passed" or test.get("exercise") == QUIZ:
            continue
        text = f"{test.get('output', '')}\n{test.get('details', {}).get('message', '')}"
        for name, line in _TRACE_LINE.findall(text):
            marks.setdefault(name, set()).add(int(line))
        exercise = test.get("exercise", "")
        case = str(test.get("id", "")).split(".", 1)[-1]
        said = test.get("output", "").split(maxsplit=1)[:1]  # "conv2d_params is wrong ..."
        for function in course_table().functions.get(exercise, ()):
            if case.startswith(function) or said == [function]:
                failing.add((f"{exercise}.py", function))
    for name, function in failing:
        try:
            tree = ast.parse(files.get(name, ""))
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name == function:
                marks.setdefault(name, set()).add(node.lineno)
    return marks
