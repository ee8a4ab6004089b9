"""``convgrade check``: the student's own self-check with the public tests.

The public tests are small fixed cases that ship with the student bundle; the
hidden graders never run here. Student code runs in this process (it is the
student's own machine), through the same plain-data proxy the grader uses, so
a value that would not survive grading fails here too. TensorFlow is imported
only when a Keras exercise of the course table is checked. The public tests
run without a pytest session (``autograder.student.runner``).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from autograder.course.paths import course
from autograder.course.table import course_table
from autograder.grading.results import TestOutcome
from autograder.load.dropped import explain_dropped_names
from autograder.load.submission import (
    NO_WORK,
    NOTEBOOK_FOLDER,
    Submission,
    load_submission,
    write_sources,
)
from autograder.sandbox.local import LocalProxy
from autograder.student.answers import answer_forms, find_questions
from autograder.student.runner import cases_for, exercise_of, run_cases, run_public
from autograder.student.submit import work_root


@dataclass
class CheckRow:
    """The public tests of one exercise."""

    exercise: str
    outcomes: list[TestOutcome] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return sum(o.status == "passed" for o in self.outcomes)

    @property
    def failures(self) -> list[TestOutcome]:
        return [o for o in self.outcomes if o.status != "passed"]


@dataclass
class CheckReport:
    """What ``convgrade check`` found."""

    rows: list[CheckRow]
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def all_passed(self) -> bool:
        return not self.errors and all(not row.failures for row in self.rows)


def public_tests(include_model: bool, exercises: tuple[str, ...] | None = None) -> list[Path]:
    """The public test files to run, in course order (all exercises unless ``exercises``).

    ``include_model`` False leaves out the Keras exercises.
    """
    folder = course().public
    chosen = [e for e in course_table().exercises
              if (exercises is None or e.name in exercises) and (include_model or not e.keras)]
    return [path for e in chosen if e.public and (path := folder / e.public).exists()]


def find_work(path: Path) -> Submission:
    """The student's work at ``path``, loaded by the source rule ``submit`` and ``grade`` use.

    A folder anywhere inside the student bundle stands for the whole bundle
    (its exercise files and notebooks); a notebook or file stands for itself.

    Raises:
        FileNotFoundError: ``path`` does not exist (see ``missing_path_hint``).
    """
    if not path.exists():
        raise FileNotFoundError(path)
    return load_submission(work_root(path) if path.is_dir() else path)


def missing_path_hint(path: Path, here: Path) -> str:
    """What to say when ``convgrade check PATH`` names nothing: where that file is, if anywhere."""
    root = work_root(here)
    found = []
    for folder in dict.fromkeys((here.resolve(), root)):
        found += [p for p in (folder / path.name, folder / NOTEBOOK_FOLDER / path.name)
                  if p.is_file()]
    message = f"{path} does not exist"
    if found:
        shown = os.path.relpath(found[0], here.resolve())
        return f"{message}; it is at {shown}: run `convgrade check {shown}`"
    return f"{message}; run `convgrade check` to check all your work in this folder"


def run_check(
    path: Path, include_model: bool | None = None, only: str | None = None
) -> CheckReport:
    """Run the public tests of the exercises the work at ``path`` covers.

    ``only`` names one exercise or function to check (``"conv_forward"``).

    Raises:
        ValueError: ``only`` names no exercise or function.
    """
    table = course_table()
    chosen = exercise_of(only) if only else None
    submission = find_work(path)
    exercises = (chosen,) if chosen else tuple(submission.graded_from)
    if chosen is not None:
        include_model = chosen in table.keras_names
    if include_model is None:  # TensorFlow is imported only for a model that was begun
        include_model = any(
            p and f not in submission.unfinished
            for name in table.keras_names
            for f, p in submission.graded_from.get(name, {}).items()
        )

    def wanted(name: str) -> bool:
        return include_model or name not in table.keras_names

    with tempfile.TemporaryDirectory(prefix="convgrade-check-") as scratch:
        write_sources(submission, Path(scratch))
        proxy = LocalProxy(Path(scratch), names=tuple(filter(wanted, table.names)))
        # Run directly, not in a pytest session: a check must answer well under a second.
        checked = [e for e in table.names if e in exercises and wanted(e)]
        outcomes = run_cases(proxy, cases_for(only)) if only else run_public(proxy, checked)
    explain_dropped_names(outcomes, submission.dropped)
    rows = {e: CheckRow(e) for e in exercises if wanted(e)}
    for outcome in outcomes:
        rows.setdefault(outcome.exercise, CheckRow(outcome.exercise)).outcomes.append(outcome)
    return CheckReport(
        rows=list(rows.values()),
        errors=[
            *(e for e in submission.errors if e != NO_WORK),
            *answer_problems(submission.answers, path),
        ],
        warnings=[*submission.warnings, *(d.message() for d in submission.dropped)],
    )


def answer_problems(answers: dict[str, object], path: Path) -> list[str]:
    """Quiz answers the grader could not read, or that match no question (form only)."""
    if not answers:
        return []
    questions = find_questions(path if path.is_dir() else path.parent)
    if questions is None:
        return []
    view = answer_forms(answers, questions)
    return [f"quiz answer {e}" for e in view.errors] + [
        f"quiz answer {row.id}: {row.message}" for row in view.rows if row.state == "unreadable"
    ]
