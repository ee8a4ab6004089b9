"""Every path convgrade reads or writes, built in one place.

The course layout (``reference/``, ``exercises/``, ``quizzes/``, the hidden
graders in ``autograder/graders/``, the public tests and the course table of
exercises, see :mod:`autograder.course.table`) lives under a course root: the repository
that holds this package, or ``$CONVGRADE_COURSE``. The hidden graders sit in
the checkout beside the package's code but are left out of the wheel students
install (see ``pyproject.toml``), so they are always found through the course
layout, never as package data. The output layout of a grading run lives under
its ``--out`` directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # the autograder package


@dataclass(frozen=True)
class CourseLayout:
    """Where the instructor-side course material lives."""

    root: Path

    @property
    def reference(self) -> Path:
        return self.root / "reference"

    @property
    def exercises(self) -> Path:
        return self.root / "exercises"

    @property
    def notebooks(self) -> Path:
        return self.exercises / "notebooks"

    @property
    def quizzes(self) -> Path:
        return self.root / "quizzes"

    @property
    def quiz_questions(self) -> Path:
        return self.quizzes / "questions.toml"

    @property
    def quiz_keys(self) -> Path:
        return self.quizzes / "keys.toml"

    @property
    def examples(self) -> Path:
        return self.root / "examples" / "submissions"

    @property
    def graders(self) -> Path:
        """The hidden graders: instructor material of this course, not of the package."""
        return self.root / "autograder" / "graders"

    @property
    def public(self) -> Path:
        """The public tests, which ship to students."""
        return self.root / "autograder" / "public"

    @property
    def table(self) -> Path:
        """The course table of exercises (read through ``autograder.course.table``)."""
        return self.root / "autograder" / "course" / "table.toml"

    def secret_paths(self) -> list[Path]:
        """Paths a student's code must never be able to read (every copy of the graders)."""
        paths = [
            self.reference,
            self.quizzes,
            self.graders,
            self.root / "tests",
            self.root / "examples",
            self.root / ".git",
        ]
        installed = PACKAGE_DIR / "graders"  # an install from before the split may hold one
        return paths if installed in paths else [*paths, installed]


def course() -> CourseLayout:
    """The course root: ``$CONVGRADE_COURSE`` or the checkout holding this package."""
    env = os.environ.get("CONVGRADE_COURSE")
    return CourseLayout(Path(env).resolve() if env else PACKAGE_DIR.parent)


@dataclass(frozen=True)
class OutputLayout:
    """The files one grading run writes under its output directory."""

    root: Path

    @property
    def results(self) -> Path:
        return self.root / "results"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def gradebook(self) -> Path:
        return self.root / "gradebook.csv"

    @property
    def stats(self) -> Path:
        return self.root / "stats"

    @property
    def training_cache(self) -> Path:
        """Training outcomes shared by the run's grader processes and by later runs."""
        return self.root / "cache" / "training"

    def result(self, submission_id: str) -> Path:
        return self.results / f"{submission_id}.json"

    def report_html(self, submission_id: str) -> Path:
        return self.reports / f"{submission_id}.html"

    def report_md(self, submission_id: str) -> Path:
        return self.reports / f"{submission_id}.md"

    def ensure(self) -> None:
        for folder in (self.results, self.reports):
            folder.mkdir(parents=True, exist_ok=True)
