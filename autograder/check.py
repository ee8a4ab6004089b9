"""``convgrade check``: the student's own self-check with the public tests.

The public tests are small fixed cases that ship with the student bundle; the
hidden graders never run here. Student code runs in this process (it is the
student's own machine), through the same plain-data proxy the grader uses, so
a value that would not survive grading fails here too. TensorFlow is imported
only when the model exercise is checked. The public tests run without a pytest
session (``autograder.student.runner``).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from autograder.loading import load_submission, write_sources
from autograder.paths import PACKAGE_DIR, STUDENT_MODULES
from autograder.results import EXERCISES, TestOutcome
from autograder.sandbox.local import LocalProxy
from autograder.source_scan import started
from autograder.student.answers import answer_forms, find_questions
from autograder.student.runner import cases_for, exercise_of, run_cases, run_public

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


def public_tests(include_model: bool) -> list[Path]:
    """The public test files to run, in course order."""
    names = [e for e in EXERCISES if include_model or e != "model"]
    return [p for e in names if (p := PUBLIC_DIR / f"test_public_{e}.py").exists()]


def run_check(
    path: Path, include_model: bool | None = None, only: str | None = None
) -> CheckReport:
    """Run the public tests on the files or notebook at ``path``.

    ``only`` names one exercise or function to check (``"conv_forward"``).

    Raises:
        ValueError: ``only`` names no exercise or function.
    """
    chosen = exercise_of(only) if only else None
    submission = load_submission(path)
    if chosen is not None:
        include_model = chosen == "model"
    if include_model is None:  # TensorFlow is imported only for a model that was begun
        model = submission.files.get("model.py")
        include_model = model is not None and started(model, prefix="build_")
    with tempfile.TemporaryDirectory(prefix="convgrade-check-") as scratch:
        write_sources(submission, Path(scratch))
        names = tuple(m for m in STUDENT_MODULES if include_model or m != "model")
        proxy = LocalProxy(Path(scratch), names=names)
        # Run directly, not in a pytest session: a check must answer well under a second.
        exercises = [e for e in EXERCISES if include_model or e != "model"]
        outcomes = run_cases(proxy, cases_for(only)) if only else run_public(proxy, exercises)
    rows = {e: CheckRow(e) for e in ([chosen] if chosen else exercises)}
    for outcome in outcomes:
        rows.setdefault(outcome.exercise, CheckRow(outcome.exercise)).outcomes.append(outcome)
    return CheckReport(
        rows=list(rows.values()),
        errors=[*submission.errors, *answer_problems(submission.answers, path)],
        warnings=list(submission.warnings),
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
