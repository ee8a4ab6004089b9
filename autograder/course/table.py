"""The course table: the exercises, their modules, functions and tests, declared once.

The table is data (``autograder/course/table.toml`` under the course root,
see :attr:`autograder.course.paths.CourseLayout.table`); this module only
reads and checks it. It ships in the student wheel beside the public tests,
so ``convgrade check`` and ``submit`` read the same table as the grader. A
course under ``$CONVGRADE_COURSE`` without a table of its own uses the one
this package holds.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path

from autograder.course.paths import PACKAGE_DIR, CourseLayout, course

PACKAGED_TABLE = CourseLayout(PACKAGE_DIR.parent).table  # the copy this package holds
_FIELDS = {"name", "title", "functions", "grader", "public", "keras"}
QUIZ = "quiz"  # results, the gradebook and stats list the quiz beside the exercises


class CourseTableError(ValueError):
    """The course table cannot be read or breaks a rule; the message names the entry."""


@dataclass(frozen=True)
class Exercise:
    """One exercise: the student's module ``<name>.py`` and everything that grades it."""

    name: str  # also the student's module name: results, reports and stats key on it
    title: str
    functions: tuple[str, ...]
    grader: str  # the hidden grader module's file name, in the course's graders folder
    public: str | None = None  # the public test module's file name, if it has one
    keras: bool = False  # checking it needs Keras and TensorFlow

    @property
    def file(self) -> str:
        """The student's exercise file, ``<name>.py``."""
        return f"{self.name}.py"

    @property
    def notebook(self) -> str:
        """The exercise's own notebook, ``<name>.ipynb``."""
        return f"{self.name}.ipynb"


@dataclass(frozen=True)
class CourseTable:
    """Every exercise in course order, and the quiz answers file."""

    exercises: tuple[Exercise, ...]
    answers: str = "answers.toml"

    @property
    def names(self) -> tuple[str, ...]:
        """The exercise names (also the student modules), in course order."""
        return tuple(e.name for e in self.exercises)

    @property
    def student_files(self) -> tuple[str, ...]:
        """The files a submission may hold: each exercise's ``.py``, then the answers file."""
        return (*(e.file for e in self.exercises), self.answers)

    @property
    def functions(self) -> dict[str, tuple[str, ...]]:
        """Each exercise's functions, exercises in course order."""
        return {e.name: e.functions for e in self.exercises}

    @property
    def all_functions(self) -> tuple[str, ...]:
        """Every function of the course, in course order."""
        return tuple(f for e in self.exercises for f in e.functions)

    @property
    def keras_names(self) -> tuple[str, ...]:
        """The exercises whose check needs Keras."""
        return tuple(e.name for e in self.exercises if e.keras)

    def get(self, name: str) -> Exercise | None:
        """The exercise called ``name``, or None."""
        return next((e for e in self.exercises if e.name == name), None)

    def exercise_of(self, function: str) -> str | None:
        """The exercise that ``function`` belongs to, or None."""
        return next((e.name for e in self.exercises if function in e.functions), None)


def parse_table(text: str, where: str) -> CourseTable:
    """Read a course table from TOML text.

    Raises:
        CourseTableError: the text is not TOML, or an entry breaks a rule (named with ``where``).
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CourseTableError(f"{where}: {exc}") from exc
    entries = data.get("exercise")
    if not isinstance(entries, list) or not entries:
        raise CourseTableError(f"{where}: no [[exercise]] entries")
    answers = data.get("answers", "answers.toml")
    if not isinstance(answers, str) or not answers:
        raise CourseTableError(f"{where}: answers must name the quiz answers file")
    exercises = tuple(_exercise(entry, f"{where}: exercise {i + 1}")
                      for i, entry in enumerate(entries))
    _check_unique(exercises, where)
    return CourseTable(exercises, answers)


def _exercise(entry: object, where: str) -> Exercise:
    if not isinstance(entry, dict):
        raise CourseTableError(f"{where} must be a table")
    if unknown := set(entry) - _FIELDS:
        raise CourseTableError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    name = entry.get("name")
    if not isinstance(name, str) or not name.isidentifier():
        raise CourseTableError(f"{where}: name must be a Python module name, not {name!r}")
    where = f"{where} ({name})"
    if name == QUIZ:
        raise CourseTableError(f"{where}: {QUIZ!r} names the quiz in results; choose another")
    functions = entry.get("functions")
    if (not isinstance(functions, list) or not functions
            or not all(isinstance(f, str) and f.isidentifier() for f in functions)):
        raise CourseTableError(f"{where}: functions must be a list of function names")
    grader, public = entry.get("grader"), entry.get("public")
    for field_name, value in (("grader", grader), ("public", public)):
        if value is None and field_name == "public":
            continue
        if not isinstance(value, str) or not (value.startswith("test_") and value.endswith(".py")):
            raise CourseTableError(f"{where}: {field_name} must be a file name test_*.py")
    title = entry.get("title", name)
    keras = entry.get("keras", False)
    if not isinstance(title, str) or not isinstance(keras, bool):
        raise CourseTableError(f"{where}: title must be text and keras true or false")
    return Exercise(name, title, tuple(functions), grader, public, keras)


def _check_unique(exercises: tuple[Exercise, ...], where: str) -> None:
    """Names and functions are unique across the course: a name finds one exercise."""
    seen: set[str] = set()
    for name in [e.name for e in exercises] + [f for e in exercises for f in e.functions]:
        if name in seen:
            raise CourseTableError(f"{where}: {name!r} is named twice")
        seen.add(name)


def load_table(path: Path) -> CourseTable:
    """Read the course table at ``path``.

    Raises:
        CourseTableError: it cannot be read or breaks a rule.
    """
    try:
        stat = path.stat()
    except OSError as exc:
        raise CourseTableError(f"{path}: cannot be read ({exc})") from exc
    return _cached(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=8)
def _cached(path: Path, mtime_ns: int, size: int) -> CourseTable:
    """One parse per version of a table file (the key holds its modification time and size)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CourseTableError(f"{path}: cannot be read ({exc})") from exc
    return parse_table(text, str(path))


def course_table(layout: CourseLayout | None = None) -> CourseTable:
    """The table of ``layout`` (default: the current course), or the packaged one if it has none."""
    path = (layout or course()).table
    return load_table(path if path.is_file() else PACKAGED_TABLE)
