"""Tests for autograder/authoring/notebooks.py: the student notebooks."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from autograder.authoring.generate import generate
from autograder.authoring.notebooks import (
    LESSONS,
    assignment_notebook,
    module_notebook,
    notebook_text,
    public_functions,
    split_stub,
)
from autograder.modules import load_module_group
from autograder.notebook_source import notebook_source
from autograder.paths import STUDENT_MODULES, course
from autograder.quiz import load_questions, load_quiz, score_quiz


@pytest.fixture(scope="module")
def files() -> dict[Path, str]:
    """The generated exercise files."""
    return generate(course())


@pytest.fixture(scope="module")
def stubs(files) -> dict[str, str]:
    """Stub source per module."""
    return {m: files[Path(f"{m}.py")] for m in STUDENT_MODULES}


def _notebooks(files) -> dict[str, nbformat.NotebookNode]:
    return {rel.stem: nbformat.reads(text, as_version=4)
            for rel, text in files.items() if rel.suffix == ".ipynb"}


def test_notebooks_are_valid_v4_with_no_outputs(files):
    """Each notebook validates, uses python3 and carries no outputs or execution counts."""
    notebooks = _notebooks(files)
    assert set(notebooks) == {*STUDENT_MODULES, "assignment"}
    for name, nb in notebooks.items():
        nbformat.validate(nb)
        assert nb.nbformat == 4 and nb.metadata.kernelspec.name == "python3", name
        for cell in nb.cells:
            assert re.fullmatch(rf"{name}-\d\d", cell.id), cell.id
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None


def test_building_twice_gives_identical_bytes(files, stubs):
    """Regeneration is byte-identical: fixed ids, sorted keys, nothing time-dependent."""
    assert generate(course()) == files
    for module, stub in stubs.items():
        assert notebook_text(module_notebook(module, stub)) == notebook_text(
            module_notebook(module, stub))


def test_each_function_has_a_lesson_and_its_own_code_cell(files, stubs):
    """Every public function gets a lesson cell and a code cell that starts with its def."""
    notebooks = _notebooks(files)
    for module, stub in stubs.items():
        for nb in (notebooks[module], notebooks["assignment"]):
            code = [c.source for c in nb.cells if c.cell_type == "code"]
            markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
            for name in public_functions(stub):
                assert name in LESSONS
                assert sum(src.startswith(f"def {name}(") for src in code) == 1, name
                assert f"### `{name}`" in markdown and "convgrade check" in markdown


def test_split_stub_loses_nothing(stubs):
    """Preamble plus function pieces hold every non-blank line of the stub, in order."""
    for module, stub in stubs.items():
        preamble, pieces = split_stub(stub)
        assert [name for name, _ in pieces] == public_functions(stub)
        joined = "\n".join([preamble, *(source for _, source in pieces)])
        assert [x for x in joined.splitlines() if x.strip()] == [
            x for x in stub.splitlines() if x.strip()], module


def test_module_notebook_yields_its_functions_through_notebook_source(files, stubs, tmp_path):
    """The grader's notebook filter keeps every stub function, and they raise when called."""
    for module, stub in stubs.items():
        parsed = notebook_source(files[Path("notebooks", f"{module}.ipynb")], f"{module}.ipynb")
        assert parsed.errors == []
        assert set(public_functions(stub)) <= parsed.defined
        (tmp_path / f"{module}.py").write_text(parsed.source)
    loaded = load_module_group(tmp_path, ("shapes", "params"))
    assert loaded.errors == {}
    with pytest.raises(NotImplementedError, match="flatten_size"):
        loaded.modules["shapes"].flatten_size((2, 2, 1))
    with pytest.raises(NotImplementedError, match="dense_params"):
        loaded.modules["params"].dense_params(4, 2)


def test_assignment_holds_every_function_and_quiz_answers_of_none(files, stubs):
    """The assignment defines all functions and a QUIZ_ANSWERS with every id mapped to None."""
    parsed = notebook_source(files[Path("notebooks/assignment.ipynb")], "assignment.ipynb")
    assert parsed.errors == []
    for stub in stubs.values():
        assert set(public_functions(stub)) <= parsed.defined
    ids = [q.id for q in load_questions(course().quiz_questions)]
    assert list(parsed.answers) == ids
    assert set(parsed.answers.values()) == {None}


def test_none_answers_score_as_missing(files):
    """The grader reads the shipped QUIZ_ANSWERS as all missing: score 0, no errors."""
    parsed = notebook_source(files[Path("notebooks/assignment.ipynb")], "assignment.ipynb")
    quiz = load_quiz(course().quiz_questions, course().quiz_keys)
    items, errors = score_quiz(quiz, parsed.answers)
    assert errors == []
    assert {item.status for item in items} == {"missing"}
    assert sum(item.score for item in items) == 0


def test_quiz_section_shows_questions_but_no_answers(files):
    """Every prompt appears in the assignment notebook; no answer or explanation does."""
    nb = _notebooks(files)["assignment"]
    markdown = "\n".join(" ".join(c.source.split()) for c in nb.cells if c.cell_type == "markdown")
    for question in load_questions(course().quiz_questions):
        assert " ".join(question.prompt.split()) in markdown
    assert "**Answer:**" not in markdown and "**Why:**" not in markdown
    for key in load_quiz(course().quiz_questions, course().quiz_keys).keys.values():
        assert " ".join(key.explanation.split()) not in markdown


def test_assignment_without_questions_has_no_quiz(stubs):
    """With no quiz questions the assignment notebook ends without a quiz section."""
    nb = assignment_notebook(stubs, None)
    nbformat.validate(nb)
    assert not any("QUIZ_ANSWERS" in cell.source for cell in nb.cells)
    assert nb.cells[-1].cell_type == "code" and nb.cells[-1].source.startswith("# Scratch")
