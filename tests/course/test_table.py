"""Tests for autograder/course/table.py: the course table, and one exercise added through it.

``test_a_new_exercise_needs_only_its_reference_graders_and_table_entry`` copies
the course into a temporary folder, adds a toy exercise there (a reference
module, a hidden grader, a public test and a table entry, nothing else), and
follows it through every stage that lists exercises.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from autograder.authoring.generate import generate, write_exercises
from autograder.authoring.leaks import assert_clean_bundle
from autograder.authoring.release import build_release
from autograder.course.paths import CourseLayout, course
from autograder.course.table import (
    PACKAGED_TABLE,
    CourseTableError,
    course_table,
    load_table,
    parse_table,
)
from autograder.export.otter import master_notebook
from autograder.grading.plugin import GradingOptions
from autograder.load.submission import load_submission
from autograder.reporting.gradebook import columns
from autograder.reporting.stats import compute_stats
from autograder.run.bulk import grade_paths
from autograder.settings import Settings
from autograder.student.check import run_check

ONE = """
[[exercise]]
name = "toy"
title = "A toy"
functions = ["double"]
grader = "test_toy.py"
"""

TOY_REFERENCE = '''"""A toy exercise: one function."""

from __future__ import annotations


def double(x: int) -> int:
    """Twice ``x``."""
    # BEGIN SOLUTION
    return 2 * x
    # END SOLUTION
'''
TOY_GRADER = '''"""Hidden tests for toy.py."""

import pytest

from autograder.grading.expect import expect_equal
from autograder.grading.validate import as_int

pytestmark = pytest.mark.exercise("toy")


@pytest.mark.points(2)
@pytest.mark.parametrize("x", [3, -5], ids=["three", "minus-five"])
def test_double(student, reference, x):
    """double doubles an int"""
    got = as_int(student.call("toy", "double", x), name="double")
    expect_equal(got, reference["toy"].double(x), what="double", case=f"double({x})")


@pytest.mark.points(1)
def test_double_zero(student):
    """double keeps zero"""
    expect_equal(as_int(student.call("toy", "double", 0), name="double"), 0,
                 what="double", case="double(0)")
'''
TOY_PUBLIC = '''"""Public checks for toy.py."""

from autograder.grading.expect import expect_equal
from autograder.grading.validate import as_int
from autograder.student.marks import mark

pytestmark = [mark.exercise("toy"), mark.points(0)]


def test_double_of_two(student):
    """double(2) is 4"""
    expect_equal(as_int(student.call("toy", "double", 2), name="double"), 4,
                 what="double", case="double(2)")
'''
TOY_ENTRY = """
[[exercise]]
name = "toy"
title = "Doubling, a toy"
functions = ["double"]
grader = "test_toy.py"
public = "test_public_toy.py"
"""


def test_the_packaged_table_lists_the_course_in_order():
    """The table names the five exercises in course order, the model one needing Keras."""
    table = course_table()
    assert table.names == ("convolution", "pooling", "shapes", "params", "model")
    assert table.keras_names == ("model",)
    assert table.functions["pooling"] == ("pool_forward",)
    assert table.student_files[-1] == "answers.toml" == table.answers
    assert table.exercise_of("conv_forward") == "convolution"
    assert table.exercise_of("pooling") is None


def test_every_grader_and_public_test_is_named_by_the_table():
    """The graders and public tests on disk are exactly those the table names."""
    table = course_table()
    layout = course()
    assert {p.name for p in layout.graders.glob("test_*.py")} == {
        e.grader for e in table.exercises}
    assert {p.name for p in layout.public.glob("test_*.py")} == {
        e.public for e in table.exercises}


def test_the_table_functions_are_the_reference_functions():
    """Each exercise lists the public functions of its reference module, in their order."""
    from autograder.authoring.notebooks import public_functions

    for exercise in course_table().exercises:
        text = (course().reference / exercise.file).read_text(encoding="utf-8")
        assert tuple(public_functions(text)) == exercise.functions, exercise.name


def test_a_course_without_a_table_uses_the_packaged_one(tmp_path):
    """A course folder that holds no table of its own reads the package's."""
    assert course_table(CourseLayout(tmp_path)) == load_table(PACKAGED_TABLE)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no \\[\\[exercise\\]\\] entries"),
        (ONE + ONE.replace('"toy"', '"toy2"', 1), "'double' is named twice"),
        (ONE.replace('name = "toy"', 'name = "my toy"'), "must be a Python module name"),
        (ONE.replace("test_toy.py", "toy_grader.py"), "grader must be a file name"),
        (ONE + 'points = 3\n', "unknown field\\(s\\) points"),
        (ONE.replace('["double"]', "[]"), "functions must be a list"),
        ("[[exercise", "table.toml"),
        (ONE.replace('name = "toy"', 'name = "quiz"'), "names the quiz in results"),
    ],
    ids=["empty", "function-twice", "bad-name", "bad-grader", "points", "no-functions", "toml",
         "quiz"],
)
def test_a_broken_table_is_refused_with_the_entry_named(text, message):
    """Each rule of the table raises CourseTableError naming the file and the entry."""
    with pytest.raises(CourseTableError, match=message):
        parse_table(text, "table.toml")


def test_a_table_change_is_read_again(tmp_path):
    """The cache keys on the file's version, so an edited table is read anew."""
    path = tmp_path / "table.toml"
    path.write_text(ONE, encoding="utf-8")
    assert load_table(path).names == ("toy",)
    path.write_text(ONE + ONE.replace("toy", "toy2").replace("double", "half"), encoding="utf-8")
    assert load_table(path).names == ("toy", "toy2")


def _toy_course(root: Path) -> CourseLayout:
    """The course copied to ``root``, plus the toy: reference, grader, public test, table entry."""
    here = course()
    for part in ("reference", "quizzes", "exercises"):
        shutil.copytree(here.root / part, root / part,
                        ignore=shutil.ignore_patterns("__pycache__"))
    for part in ("graders", "public", "course"):
        shutil.copytree(here.root / "autograder" / part, root / "autograder" / part,
                        ignore=shutil.ignore_patterns("__pycache__", "*.py[co]"))
    layout = CourseLayout(root)
    (layout.reference / "toy.py").write_text(TOY_REFERENCE, encoding="utf-8")
    (layout.graders / "test_toy.py").write_text(TOY_GRADER, encoding="utf-8")
    (layout.public / "test_public_toy.py").write_text(TOY_PUBLIC, encoding="utf-8")
    with layout.table.open("a", encoding="utf-8") as table:
        table.write(TOY_ENTRY)
    return layout


def _submission(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "toy.py").write_text(f"def double(x):\n    return {body}\n", encoding="utf-8")
    return folder


def test_a_new_exercise_needs_only_its_reference_graders_and_table_entry(tmp_path, monkeypatch):
    """Stubs, notebooks, loading, check, grading, gradebook, stats, release and otter see it."""
    layout = _toy_course(tmp_path / "course")
    monkeypatch.setenv("CONVGRADE_COURSE", str(layout.root))
    assert course() == layout and course_table().names[-1] == "toy"

    # Stubs and notebooks: the toy's stub, its own notebook, and a section of the assignment.
    write_exercises(layout)
    stub = (layout.exercises / "toy.py").read_text(encoding="utf-8")
    assert "def double(x: int) -> int:" in stub and "2 * x" not in stub
    toy_nb = nbformat.read(layout.notebooks / "toy.ipynb", as_version=4)
    assert toy_nb.cells[0].source == "# Doubling, a toy (`toy.py`)"  # no intro text: none written
    assert any("Twice ``x``." in c.source for c in toy_nb.cells)  # the lesson is the docstring
    assignment = (layout.notebooks / "assignment.ipynb").read_text(encoding="utf-8")
    assert "## Doubling, a toy (`toy.py`)" in assignment
    assert "`toy.py`" in generate(layout)[Path("README.md")]

    # Loading a submission, and the student's own check with the toy's public test.
    good = _submission(tmp_path / "subs" / "good", "2 * x")
    bad = _submission(tmp_path / "subs" / "bad", "x + 3")  # right for 3 only
    loaded = load_submission(good)
    assert set(loaded.files) == {"toy.py"} and set(loaded.graded_from) == {"toy"}
    report = run_check(good)
    assert [(row.exercise, row.passed, len(row.failures)) for row in report.rows] == [("toy", 1, 0)]
    assert [len(row.failures) for row in run_check(bad).rows] == [1]

    # Grading, in grader processes started with the temporary course.
    out = tmp_path / "out"
    settings = Settings(options=GradingOptions(train_models=False))
    summary = grade_paths([tmp_path / "subs"], out, settings=settings, workers=1)
    assert sorted(summary.graded) == ["bad", "good"]
    results = {sid: json.loads((out / "results" / f"{sid}.json").read_text()) for sid in
               ("good", "bad")}
    assert results["good"]["exercises"]["toy"] == {"score": 5.0, "max_score": 5.0}
    assert results["bad"]["exercises"]["toy"] == {"score": 2.0, "max_score": 5.0}
    assert list(results["good"]["exercises"])[-2:] == ["toy", "quiz"]

    # The gradebook and the class statistics have a toy column.
    header = (out / "gradebook.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header == list(columns()) and header[header.index("quiz") - 1] == "toy"
    stats = compute_stats(list(results.values()))
    assert stats.exercises["toy"] == 70.0
    assert {t.exercise for t in stats.tests if t.exercise == "toy"} == {"toy"}

    # The release ships the toy's stub and public test, and leaks nothing of it.
    bundle = tmp_path / "bundle"
    build_release(layout, bundle)
    assert (bundle / "toy.py").is_file() and (bundle / "public_tests/test_public_toy.py").is_file()
    assert assert_clean_bundle(bundle, layout) == []

    # The otter export has a question for the toy, worth its hidden grader's 5 points.
    cells = master_notebook(layout).cells
    config = next(c.source for c in cells if c.source.startswith("# BEGIN QUESTION\nname: toy"))
    assert config == "# BEGIN QUESTION\nname: toy\npoints: [5]"
    assert any(c.source == "assert callable(double), 'define double'" for c in cells)
