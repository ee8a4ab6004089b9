"""Tests for autograder/authoring/generate.py: exercises/ made from the reference."""

from __future__ import annotations

import inspect
import shutil
import tomllib
from pathlib import Path

import numpy as np
import pytest

from autograder.authoring.generate import check_exercises, generate, main, write_exercises
from autograder.authoring.notebooks import public_functions
from autograder.authoring.stubs import BEGIN, END
from autograder.course.paths import CourseLayout, course
from autograder.course.table import course_table
from autograder.load.modules import load_module_group
from autograder.quiz.files import load_questions

# Arguments a student would plausibly pass; the reference accepts every one of them.
PLAUSIBLE: dict[str, tuple] = {
    "zero_pad": (np.ones((1, 3, 3, 1)), 1),
    "conv_single_step": (np.ones((2, 2, 1)), np.ones((2, 2, 1)), 0.5),
    "conv_forward": (np.ones((1, 5, 5, 1)), np.ones((3, 3, 1, 2)), np.zeros(2)),
    "apply_filter": (np.ones((6, 6)), np.ones((3, 3))),
    "pool_forward": (np.ones((1, 4, 4, 2)),),
    "conv_output_size": (10, 3),
    "conv_output_shape": ((10, 10, 3), 8, 3),
    "pool_output_shape": ((8, 8, 3),),
    "flatten_size": ((4, 4, 3),),
    "dense_params": (100, 10),
    "conv2d_params": (3, 1, 8),
    "summarize": ((10, 10, 1), [{"type": "conv2d", "filters": 2, "kernel_size": 3},
                                {"type": "flatten"}, {"type": "dense", "units": 4}]),
    "build_mnist_cnn": (),
    "build_strided_cnn": (),
    "build_dense_baseline": ((28, 28, 1), 16),
}


@pytest.fixture(scope="module")
def groups():
    """The stub and reference modules, loaded side by side."""
    return (load_module_group(course().exercises, course_table().names),
            load_module_group(course().reference, course_table().names))


def test_exercises_are_up_to_date():
    """exercises/ holds exactly what the generator makes now (run the generator if not)."""
    assert check_exercises(course()) == []
    on_disk = {p.relative_to(course().exercises) for p in course().exercises.rglob("*")
               if p.is_file() and "__pycache__" not in p.parts}
    assert on_disk == set(generate(course()))


def test_every_module_has_a_stub_and_notebook():
    """The generator emits a stub and a notebook for each of the five modules."""
    files = generate(course())
    for module in course_table().names:
        assert Path(f"{module}.py") in files
        assert Path("notebooks", f"{module}.ipynb") in files
    assert {Path("answers.toml"), Path("README.md"), Path("notebooks/assignment.ipynb")} <= set(
        files
    )


def test_stubs_import_and_raise_not_implemented(groups):
    """Each stub imports and every public function raises NotImplementedError on good input."""
    stubs, reference = groups
    assert stubs.errors == {} and set(stubs.modules) == set(course_table().names)
    covered = set()
    for name, module in stubs.modules.items():
        for fn_name in public_functions((course().exercises / f"{name}.py").read_text()):
            covered.add(fn_name)
            args = PLAUSIBLE[fn_name]
            getattr(reference.modules[name], fn_name)(*args)  # the arguments are valid
            with pytest.raises(NotImplementedError, match=fn_name):
                getattr(module, fn_name)(*args)
    assert covered == set(PLAUSIBLE)


def test_signatures_and_docstrings_match_the_reference(groups):
    """Each stub function has the reference's signature, hints and docstring."""
    stubs, reference = groups
    assert reference.errors == {}
    for name, ref_module in reference.modules.items():
        ref_names = public_functions((course().reference / f"{name}.py").read_text())
        assert public_functions((course().exercises / f"{name}.py").read_text()) == ref_names
        for fn_name in ref_names:
            ref_fn, stub_fn = getattr(ref_module, fn_name), getattr(stubs.modules[name], fn_name)
            assert inspect.signature(stub_fn) == inspect.signature(ref_fn), fn_name
            assert stub_fn.__doc__ == ref_fn.__doc__, fn_name
        assert stubs.modules[name].__doc__ == ref_module.__doc__


def test_stub_lines_are_the_reference_outside_its_regions():
    """Apart from the placeholders, a stub is the reference's lines outside regions, in order."""
    placeholder = ("# YOUR CODE HERE", "raise NotImplementedError(")
    for module in course_table().names:
        reference = (course().reference / f"{module}.py").read_text().splitlines()
        stub = [line for line in (course().exercises / f"{module}.py").read_text().splitlines()
                if line.strip() and not line.strip().startswith(placeholder)]
        remaining = iter(reference)
        assert all(line in remaining for line in stub), module  # stub is a subsequence
        assert BEGIN not in "\n".join(stub) and END not in "\n".join(stub)


def test_answers_template_parses_to_no_answers_and_lists_every_id():
    """answers.toml is valid TOML with no answers, and names each quiz id in a comment."""
    text = (course().exercises / "answers.toml").read_text()
    assert tomllib.loads(text) == {}
    for question in load_questions(course().quiz_questions):
        assert f"\n# {question.id} =\n" in text
        assert " ".join(question.prompt.split())[:40] in " ".join(
            line.lstrip("# ") for line in text.splitlines())


def _toy_course(tmp_path: Path, questions: bool = True) -> CourseLayout:
    """A course with the real reference, and the questions unless told otherwise."""
    root = tmp_path / "course"
    shutil.copytree(course().reference, root / "reference",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (root / "quizzes").mkdir()
    if questions:
        shutil.copy(course().quiz_questions, root / "quizzes" / "questions.toml")
    return CourseLayout(root)


def test_write_and_check_round_trip(tmp_path):
    """write_exercises fixes drift and removes stale files; check_exercises reports both."""
    layout = _toy_course(tmp_path)
    assert "README.md" in check_exercises(layout)
    write_exercises(layout)
    assert check_exercises(layout) == []
    (layout.exercises / "stale.py").write_text("x = 1\n")
    (layout.exercises / "shapes.py").write_text("changed\n")
    assert check_exercises(layout) == ["shapes.py", "stale.py"]
    write_exercises(layout)
    assert check_exercises(layout) == []
    assert not (layout.exercises / "stale.py").exists()


def test_generate_writes_under_out_when_given(tmp_path):
    """generate(course, out) writes every file it returns under out."""
    files = generate(course(), tmp_path / "out")
    for rel, text in files.items():
        assert (tmp_path / "out" / rel).read_text() == text


def test_missing_questions_leave_the_quiz_out(tmp_path):
    """Without questions.toml the template is empty and the notebook has no quiz cell."""
    files = generate(_toy_course(tmp_path, questions=False))
    assert tomllib.loads(files[Path("answers.toml")]) == {}
    assert "QUIZ_ANSWERS" not in files[Path("notebooks/assignment.ipynb")]
    assert Path("shapes.py") in files


def test_command_line_check_exits_1_on_drift(tmp_path, monkeypatch, capsys):
    """`generate --check` exits 1 naming drifted files, and 0 after regenerating."""
    layout = _toy_course(tmp_path)
    monkeypatch.setenv("CONVGRADE_COURSE", str(layout.root))
    assert main(["--check"]) == 1
    assert "out of date: exercises/README.md" in capsys.readouterr().out
    assert main([]) == 0
    assert main(["--check"]) == 0
    assert capsys.readouterr().out.count("out of date") == 0


def test_command_line_reports_bad_markers(tmp_path, monkeypatch, capsys):
    """A reference with an unclosed marker makes the command exit 2 naming file and line."""
    layout = _toy_course(tmp_path)
    (layout.reference / "shapes.py").write_text("def f():\n    # BEGIN SOLUTION\n    return 1\n")
    monkeypatch.setenv("CONVGRADE_COURSE", str(layout.root))
    assert main([]) == 2
    assert "shapes.py:2:" in capsys.readouterr().err
    assert not layout.exercises.exists()
