"""Tests for autograder/authoring/notebooks.py: the student notebooks."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import nbformat
import pytest

import autograder
from autograder.authoring.generate import generate
from autograder.authoring.lessons import LESSONS
from autograder.authoring.notebooks import (
    HELPER,
    assignment_notebook,
    module_notebook,
    notebook_text,
    public_functions,
    split_stub,
)
from autograder.authoring.release import build_release
from autograder.course.paths import course
from autograder.course.table import course_table
from autograder.load.modules import load_module_group
from autograder.load.notebook_source import notebook_source
from autograder.quiz.files import load_questions, load_quiz
from autograder.quiz.scoring import score_quiz


@pytest.fixture(scope="module")
def files() -> dict[Path, str]:
    """The generated exercise files."""
    return generate(course())


@pytest.fixture(scope="module")
def stubs(files) -> dict[str, str]:
    """Stub source per module."""
    return {m: files[Path(f"{m}.py")] for m in course_table().names}


def _notebooks(files) -> dict[str, nbformat.NotebookNode]:
    return {rel.stem: nbformat.reads(text, as_version=4)
            for rel, text in files.items() if rel.suffix == ".ipynb"}


def test_notebooks_are_valid_v4_with_no_outputs(files):
    """Each notebook validates, uses python3 and carries no outputs or execution counts."""
    notebooks = _notebooks(files)
    assert set(notebooks) == {*course_table().names, "assignment"}
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
                assert f"### `{name}`" in markdown
                at = next(i for i, src in enumerate(code) if src.startswith(f"def {name}("))
                assert code[at + 1] == f'check("{name}")', name
            assert "convgrade" not in markdown, "no notebook sends students to a terminal"


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
    assert nb.cells[-1].cell_type == "code" and nb.cells[-1].source == 'submit("assignment.ipynb")'
    assert nb.cells[-3].source == "check_all()"


def test_first_code_cell_imports_the_helper_and_grading_ignores_the_checks(files):
    """The helper import comes first; check and submit cells never reach the graded source."""
    for name, nb in _notebooks(files).items():
        code = [c.source for c in nb.cells if c.cell_type == "code"]
        assert code[0].endswith(HELPER.splitlines()[-1]), name
        parsed = notebook_source(files[Path("notebooks", f"{name}.ipynb")], f"{name}.ipynb")
        assert "check(" not in parsed.source and "submit(" not in parsed.source
        assert not [w for w in parsed.warnings if "autograder" in w]
        assert parsed.dropped == [], "check/submit cells are not reported as work left behind"


# ---------------------------------------------------------------- in a real Jupyter kernel


@pytest.fixture
def bundle(tmp_path) -> Path:
    """A fresh copy of the released student bundle."""
    build_release(course(), tmp_path)
    return tmp_path


def _execute(nb: nbformat.NotebookNode, path: Path, save: bool = True) -> nbformat.NotebookNode:
    """Save ``nb`` at ``path`` (as a student would) and run every cell in a fresh kernel there."""
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    if save:
        nbformat.write(nb, path)
    # The kernelspec's "python" is this interpreter (jupyter_client swaps in sys.executable).
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    # The kernel imports the same convgrade as this test run, wherever it is installed.
    package_root = str(Path(autograder.__file__).resolve().parents[1])
    path_entries = [package_root, *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path_entries)}
    client.execute(env=env)  # raises CellExecutionError on the first cell that fails
    return nb


def _text(cell: nbformat.NotebookNode) -> str:
    parts = []
    for output in cell.get("outputs", []):
        parts.append(output.get("text") or output.get("data", {}).get("text/plain", ""))
    return "".join(parts)


def _checks(nb: nbformat.NotebookNode) -> dict[str, str]:
    """The output of every ``check("name")`` cell, by name."""
    found = {}
    for cell in nb.cells:
        match = re.fullmatch(r'check\("(\w+)"\)', cell.source)
        if cell.cell_type == "code" and match:
            found[match.group(1)] = _text(cell)
    return found


def _with(nb: nbformat.NotebookNode, replace: dict[str, str]) -> nbformat.NotebookNode:
    """A copy of ``nb`` whose code cells with exactly these sources hold the new text."""
    copy = nbformat.from_dict(json.loads(json.dumps(nb)))
    for cell in copy.cells:
        if cell.cell_type == "code" and cell.source in replace:
            cell.source = replace.pop(cell.source)
    assert not replace, f"cells not found: {list(replace)}"
    return copy


def _pasted(module: str, stubs: dict[str, str], swap: dict[str, str] | None = None) -> dict:
    """Stub cell -> the reference's code for it (the solution pasted in), with ``swap`` edits."""
    reference = (course().reference / f"{module}.py").read_text()
    stub_preamble, stub_pieces = split_stub(stubs[module])
    preamble, pieces = split_stub(reference)
    replace = {stub_preamble: preamble}
    for (name, stub), (_, solution) in zip(stub_pieces, pieces, strict=True):
        replace[stub] = (swap or {}).get(name, solution)
    return replace


TF_PROBE = "import sys\nprint('tensorflow imported:', 'tensorflow' in sys.modules)"


@pytest.mark.slow
def test_untouched_assignment_says_not_started_quickly_without_tensorflow(bundle):
    """Run top to bottom untouched: every check says not started, fast, and TF stays out."""
    nb = nbformat.read(bundle / "notebooks" / "assignment.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(TF_PROBE))
    started = time.monotonic()
    done = _execute(nb, bundle / "notebooks" / "untouched.ipynb")
    assert time.monotonic() - started < 60
    checks = _checks(done)
    assert len(checks) == 15 and all("not started yet" in out for out in checks.values()), checks
    seconds = [float(s) for out in checks.values() for s in re.findall(r"\(([\d.]+) s\)", out)]
    assert len(seconds) == 15 and max(seconds) < 0.5
    rich = [c for c in done.cells if c.source.startswith("check(")]
    assert all("text/html" in c.outputs[0]["data"] for c in rich), "Jupyter gets the rich display"
    overview = next(_text(c) for c in done.cells if c.source == "check_all()")
    assert overview.count("not started yet") == 15
    answers = next(_text(c) for c in done.cells if c.source == "check_answers()")
    assert "0 of" in answers and "no answer yet" in answers
    assert _text(done.cells[-1]).strip() == "tensorflow imported: False"


@pytest.mark.slow
def test_untouched_model_notebook_never_imports_tensorflow(bundle):
    """The model notebook's `import keras` cell and unstarted builders leave TensorFlow out."""
    nb = nbformat.read(bundle / "notebooks" / "model.ipynb", as_version=4)
    assert any("import keras" in c.source for c in nb.cells if c.cell_type == "code")
    nb.cells.append(nbformat.v4.new_code_cell(TF_PROBE))
    done = _execute(nb, bundle / "notebooks" / "untouched.ipynb")
    checks = _checks(done)
    assert len(checks) == 4 and all("not started yet" in out for out in checks.values())
    assert _text(done.cells[-1]).strip() == "tensorflow imported: False"


@pytest.mark.slow
@pytest.mark.parametrize("notebook", ["convolution", "pooling", "shapes", "params", "assignment"])
def test_reference_solutions_pass_every_check_in_a_kernel(bundle, stubs, notebook):
    """A notebook with the solutions pasted in: no cell fails, every check passes, submit writes.

    The assignment notebook holds the models too, so the model checks run there.
    """
    modules = list(stubs) if notebook == "assignment" else [notebook]
    replace = {}
    for module in modules:
        replace.update(_pasted(module, stubs))
    path = bundle / "notebooks" / f"{notebook}.ipynb"
    done = _execute(_with(nbformat.read(path, as_version=4), replace), path)
    checks = _checks(done)
    assert set(checks) >= {f for m in modules for f in public_functions(stubs[m])}
    for name, out in checks.items():
        assert "public cases pass" in out and "FAIL" not in out, (name, out)
    assert "wrote" in _text(done.cells[-1])


MISTAKES = {
    "convolution": {
        "conv_single_step": "def conv_single_step(a_slice, W, b):\n"
                            "    return float(np.sum(a_slice * W[::-1, ::-1]) + np.sum(b))",
    },
    "shapes": {
        "conv_output_size": "def conv_output_size(n, f, stride=1, padding='valid'):\n"
                            "    return (n - f) // stride",
    },
}


@pytest.mark.slow
def test_typical_mistakes_are_named_under_their_check_cell(bundle, stubs):
    """A flipped kernel and a missing +1 are named in the output of their own check cell."""
    swap = {**MISTAKES["convolution"], "conv_forward": _without_bias()}
    nb = nbformat.read(bundle / "notebooks" / "convolution.ipynb", as_version=4)
    done = _execute(_with(nb, _pasted("convolution", stubs, swap)),
                    bundle / "notebooks" / "mistakes.ipynb")
    checks = _checks(done)
    assert "Hint (kernel-flipped)" in checks["conv_single_step"]
    assert "Hint (missing-bias)" in checks["conv_forward"]
    assert "its public case passes" in checks["zero_pad"]
    # Run without saving: the file keeps the untouched stubs, so submit asks to save first.
    nb = nbformat.read(bundle / "notebooks" / "shapes.ipynb", as_version=4)
    done = _execute(_with(nb, _pasted("shapes", stubs, MISTAKES["shapes"])),
                    bundle / "notebooks" / "shapes.ipynb", save=False)
    assert "Hint (off-by-one)" in _checks(done)["conv_output_size"]
    assert "save the notebook" in _text(done.cells[-1])
    assert not (bundle / "submission.zip").exists()


def _without_bias() -> str:
    """The reference conv_forward renamed, and a conv_forward calling it with a zero bias."""
    reference = dict(split_stub((course().reference / "convolution.py").read_text())[1])
    right = reference["conv_forward"].replace("def conv_forward(", "def _right_conv_forward(")
    return (right + "\n\n\ndef conv_forward(A_prev, W, b, stride=1, padding='valid'):\n"
            "    return _right_conv_forward(A_prev, W, 0 * np.asarray(b), stride, padding)")
