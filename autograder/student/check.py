"""``convgrade check``: the student's own self-check with the public tests.

The public tests are small fixed cases that ship with the student bundle; the
hidden graders never run here. Student code runs in this process (it is the
student's own machine), through the same plain-data proxy the grader uses, so
a value that would not survive grading fails here too. TensorFlow is imported
only when the model exercise is checked. The public tests run without a pytest
session (``autograder.student.runner``).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from autograder.course.paths import PACKAGE_DIR, STUDENT_MODULES
from autograder.grading.results import EXERCISES, TestOutcome
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

PUBLIC_DIR = PACKAGE_DIR / "public"


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


def public_tests(include_model: bool, exercises: tuple[str, ...] = EXERCISES) -> list[Path]:
    """The public test files to run, in course order."""
    names = [e for e in EXERCISES if e in exercises and (include_model or e != "model")]
    return [p for e in names if (p := PUBLIC_DIR / f"test_public_{e}.py").exists()]


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
    chosen = exercise_of(only) if only else None
    submission = find_work(path)
    exercises = (chosen,) if chosen else tuple(submission.graded_from)
    if chosen is not None:
        include_model = chosen == "model"
    if include_model is None:  # TensorFlow is imported only for a model that was begun
        model = submission.graded_from.get("model", {})
        include_model = any(p and f not in submission.unfinished for f, p in model.items())
    with tempfile.TemporaryDirectory(prefix="convgrade-check-") as scratch:
        write_sources(submission, Path(scratch))
        names = tuple(m for m in STUDENT_MODULES if include_model or m != "model")
        proxy = LocalProxy(Path(scratch), names=names)
        # Run directly, not in a pytest session: a check must answer well under a second.
        checked = [e for e in EXERCISES if e in exercises and (include_model or e != "model")]
        outcomes = run_cases(proxy, cases_for(only)) if only else run_public(proxy, checked)
    explain_dropped_names(outcomes, submission.dropped)
    rows = {e: CheckRow(e) for e in exercises if include_model or e != "model"}
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
