"""Tests for autograder/authoring/release.py: the student bundle and its leak search."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from autograder.authoring import release
from autograder.authoring.leaks import answer_patterns, assert_clean_bundle
from autograder.authoring.release import build_release
from autograder.course.paths import CourseLayout, course
from autograder.course.table import course_table
from autograder.quiz.files import load_keys


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    """A freshly built release of the course."""
    out = tmp_path_factory.mktemp("release")
    build_release(course(), out)
    return out


def _copy(bundle: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "bundle"
    shutil.copytree(bundle, copy)
    return copy


def test_bundle_holds_the_student_files(bundle):
    """Stubs, notebooks, answers template, README, questions, requirements and public tests."""
    for module in course_table().names:
        assert (bundle / f"{module}.py").read_text() == (
            course().exercises / f"{module}.py").read_text()
        assert (bundle / "notebooks" / f"{module}.ipynb").is_file()
    for rel in ("notebooks/assignment.ipynb", "README.md", "answers.toml"):
        assert (bundle / rel).read_bytes() == (course().exercises / rel).read_bytes(), rel
    assert (bundle / "quizzes/questions.toml").read_bytes() == course().quiz_questions.read_bytes()
    assert "convgrade" in (bundle / "requirements.txt").read_text().splitlines()
    public = sorted(p.name for p in (course().graders.parent / "public").glob("test_public_*.py"))
    assert public and sorted(p.name for p in (bundle / "public_tests").glob("*.py")) == sorted(
        [*public, "__init__.py"])


def test_bundle_never_holds_instructor_files(bundle):
    """No keys.toml, reference module, hidden grader or project test is in the bundle."""
    names = {p.name for p in bundle.rglob("*")}
    assert "keys.toml" not in names and "reference" not in names and "tests" not in names
    assert not names & {p.name for p in course().graders.glob("test_*.py")}
    assert not names & {p.name for p in (course().root / "tests").glob("test_*.py")}


def test_build_release_returns_the_files_it_wrote(tmp_path):
    """build_release lists exactly the files now under OUT."""
    written = build_release(course(), tmp_path / "out")
    assert written == sorted(p for p in (tmp_path / "out").rglob("*") if p.is_file())


def test_missing_public_tests_are_skipped(tmp_path):
    """Without a public tests folder the bundle is built without it."""
    root = tmp_path / "course"
    root.mkdir()
    for part in ("reference", "quizzes", "exercises"):
        (root / part).symlink_to(course().root / part)
    build_release(CourseLayout(root), tmp_path / "out")
    assert not (tmp_path / "out" / "public_tests").exists()
    assert (tmp_path / "out" / "shapes.py").is_file()


def test_only_the_public_tests_of_the_course_table_ship(tmp_path):
    """A file in the public folder that the course table does not name stays behind."""
    root = tmp_path / "course"
    (root / "autograder").mkdir(parents=True)
    for part in ("reference", "quizzes", "exercises"):
        (root / part).symlink_to(course().root / part)
    shutil.copytree(course().public, root / "autograder" / "public")
    draft = root / "autograder" / "public" / "test_public_draft.py"
    draft.write_text("def test_x():\n    pass\n")
    build_release(CourseLayout(root), tmp_path / "out")
    shipped = {p.name for p in (tmp_path / "out" / "public_tests").glob("*.py")}
    named = {e.public for e in course_table().exercises}
    assert shipped == {"__init__.py", *named}


def test_a_file_named_like_a_hidden_grader_is_a_leak(bundle, tmp_path):
    """Whatever it holds, a file named like a grader of the course table is reported."""
    out = _copy(bundle, tmp_path)
    grader = course_table().exercises[0].grader
    (out / "notes").mkdir()
    (out / "notes" / grader).write_text("# my own notes\n")
    leaks = assert_clean_bundle(out, course())
    assert leaks == [f"notes/{grader}: named like a hidden grader of the course table"]


def test_a_forbidden_source_is_refused(tmp_path, monkeypatch):
    """A release list that names reference/ raises instead of shipping it."""
    monkeypatch.setattr(release, "RELEASE_CONTENTS",
                        (*release.RELEASE_CONTENTS, ("reference/", "extra/")))
    with pytest.raises(ValueError, match="never ships"):
        build_release(course(), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_clean_bundle_has_no_leaks(bundle):
    """The leak search finds nothing in a freshly built bundle."""
    assert assert_clean_bundle(bundle, course()) == []


def test_planted_reference_copy_is_found(bundle, tmp_path):
    """A copy of a reference module placed in the bundle is reported."""
    out = _copy(bundle, tmp_path)
    shutil.copy(course().reference / "shapes.py", out / "notebooks" / "extra.py")
    leaks = assert_clean_bundle(out, course())
    assert any(leak.startswith("notebooks/extra.py: a copy of reference/shapes.py")
               for leak in leaks)


def test_planted_grader_and_key_copies_are_found(bundle, tmp_path):
    """Copies of a hidden grader file and of the answer keys are reported."""
    out = _copy(bundle, tmp_path)
    grader = sorted(course().graders.glob("test_*.py"))[0]
    shutil.copy(grader, out / "public_tests" / "renamed.py")
    shutil.copy(course().quiz_keys, out / "quizzes" / "extra.toml")
    leaks = assert_clean_bundle(out, course())
    assert any(leak.startswith("public_tests/renamed.py: a copy of") for leak in leaks)
    assert "quizzes/extra.toml: a copy of quizzes/keys.toml" in leaks


def test_planted_explanation_is_found(bundle, tmp_path):
    """A quiz explanation pasted into the README, rewrapped, is reported."""
    out = _copy(bundle, tmp_path)
    explanation = next(iter(load_keys(course().quiz_keys).values())).explanation
    with (out / "README.md").open("a") as fh:
        fh.write("\n" + "\n".join(explanation.split(" ")) + "\n")
    leaks = assert_clean_bundle(out, course())
    assert any(leak.startswith("README.md: text from a quiz explanation") for leak in leaks)


def test_solution_line_is_found_even_commented_out(bundle, tmp_path):
    """A long line from inside a solution region, commented out in a stub, is reported."""
    out = _copy(bundle, tmp_path)
    lines = (course().reference / "convolution.py").read_text().splitlines()
    start = lines.index("    # BEGIN SOLUTION")
    secret = max(lines[start + 1:lines.index("    # END SOLUTION", start)], key=len).strip()
    assert len(secret) > 30
    with (out / "convolution.py").open("a") as fh:
        fh.write("\n# " + secret + "\n")
    leaks = assert_clean_bundle(out, course())
    assert leaks == [f"convolution.py: a line of a reference solution: {secret}"]


def test_marker_is_found(bundle, tmp_path):
    """The string BEGIN SOLUTION anywhere in the bundle is reported."""
    out = _copy(bundle, tmp_path)
    (out / "notes.txt").write_text("left over: # BEGIN SOLUTION\n")
    assert assert_clean_bundle(out, course()) == [
        "notes.txt: contains the marker 'BEGIN SOLUTION'"
    ]


def test_bundle_does_not_give_away_quiz_answers(bundle):
    """No numeric answer of 100 or more and no shape answer appears in the student bundle."""
    keys = load_keys(course().quiz_keys)
    distinctive = [qid for qid, key in keys.items() if answer_patterns(key.answer)]
    assert len(distinctive) >= 8, "too few distinctive answers to search for"
    assert not [leak for leak in assert_clean_bundle(bundle, course()) if "answer" in leak]


def test_planted_answer_is_found(bundle, tmp_path):
    """A docstring example that prints a quiz answer is reported."""
    out = _copy(bundle, tmp_path)
    with (out / "shapes.py").open("a") as fh:
        fh.write('\n# conv_output_shape((28, 28, 8), 12, 4, 2, "same") gives (14, 14, 12)\n')
    assert assert_clean_bundle(out, course()) == [
        "shapes.py: the answer to quiz question strided_output_shape"
    ]


def test_answer_search_would_see_a_leak():
    """The patterns match the ways a leaked answer is usually written."""
    assert any(re.search(p, "gives (14, 14, 12) here") for p in answer_patterns("14x14x12"))
    assert any(re.search(p, "a 26 x 26 x 64 map") for p in answer_patterns("26x26x64"))
    assert any(re.search(p, "has 235,200 weights") for p in answer_patterns(235200))
    assert not any(re.search(p, "has 1235200 weights") for p in answer_patterns(235200))
    assert answer_patterns("b") == [] and answer_patterns(4) == []


def test_release_refuses_a_folder_holding_work(tmp_path):
    """A non-empty folder is refused and the finished work in it is untouched."""
    target = tmp_path / "mywork"
    target.mkdir()
    (target / "convolution.py").write_text("# finished work\n")
    with pytest.raises(release.ReleaseRefused, match="--force"):
        build_release(course(), target)
    assert (target / "convolution.py").read_text() == "# finished work\n"
    assert sorted(p.name for p in target.iterdir()) == ["convolution.py"]


def test_force_writes_into_a_non_empty_folder(tmp_path):
    """With force the bundle is written next to what is there."""
    target = tmp_path / "old"
    target.mkdir()
    (target / "notes.txt").write_text("keep")
    written = build_release(course(), target, force=True)
    assert (target / "convolution.py") in written and (target / "notes.txt").exists()


def test_release_never_writes_into_the_course(tmp_path):
    """The reference and quiz folders are refused even with force."""
    for folder in (course().reference, course().quizzes / "sub"):
        with pytest.raises(release.ReleaseRefused, match="built from"):
            build_release(course(), folder, force=True)


def test_cli_refusal_exits_non_zero(tmp_path):
    """`convgrade release` into a non-empty folder exits 2 and says how to go on."""
    from click.testing import CliRunner

    from autograder.cli import main

    (tmp_path / "x.txt").write_text("x")
    result = CliRunner().invoke(main, ["release", str(tmp_path)])
    assert result.exit_code == 2 and "not empty" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.txt"]
