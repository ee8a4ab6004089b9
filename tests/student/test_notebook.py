"""The notebook helper: check, check_all, check_answers and submit on a kernel's namespace."""

from __future__ import annotations

import importlib.util
import json
import time
import zipfile
from pathlib import Path

import nbformat
import numpy as np
import pytest
from grading_helpers import reference_modules

from autograder.student.display import CheckView, layer_table_lines
from autograder.student.notebook import check, check_all, check_answers, submit


@pytest.fixture(scope="module")
def namespace() -> dict:
    """A kernel that ran every reference NumPy function's cell."""
    space: dict = {}
    for module in reference_modules().values():
        space.update(vars(module))
    return space


def test_check_passes_on_correct_functions_well_under_a_second(namespace):
    """check("conv_forward") on correct code passes every case, in well under a second."""
    started = time.monotonic()
    view = check("conv_forward", namespace)
    assert time.monotonic() - started < 1.0
    assert view.passed and "4 of 4 public cases pass" in str(view)


def test_check_names_the_mistake_in_text_and_html(namespace):
    """A flipped kernel fails with its misconception hint, in the text and the rich display."""
    def conv_single_step(a_slice, W, b):
        return float(np.sum(a_slice * W[::-1, ::-1]) + np.sum(b))

    view = check("conv_single_step", {**namespace, "conv_single_step": conv_single_step})
    assert not view.passed
    assert "Hint (kernel-flipped)" in str(view)
    assert "kernel-flipped" in view._repr_html_() and "<table>" in view._repr_html_()


def test_an_exercise_name_checks_all_its_functions(namespace):
    """check("shapes") runs the cases of every function of that exercise."""
    view = check("shapes", namespace)
    assert [row.function for row in view.rows] == [
        "conv_output_size", "conv_output_shape", "pool_output_shape", "flatten_size"]


def test_a_function_not_run_yet_says_to_run_its_cell():
    """A function the kernel does not hold is reported as not defined, with what to do."""
    view = check("pool_forward", {})
    assert [row.state for row in view.rows] == ["missing"]
    assert "run the cell that defines it" in str(view)


def test_an_unstarted_stub_is_not_started_yet():
    """A stub raising NotImplementedError is 'not started yet', not a list of failures."""
    def flatten_size(shape):
        raise NotImplementedError("flatten_size is not implemented yet")

    view = check_all({"flatten_size": flatten_size})
    (row,) = [r for r in view.rows if r.function == "flatten_size"]
    assert row.state == "not started" and "not started yet" in str(view)


def test_an_unknown_name_suggests_the_closest():
    """A misspelt name raises ValueError naming the closest function."""
    with pytest.raises(ValueError, match="conv_forward"):
        check("conv_foward", {})


def test_outside_jupyter_the_namespace_must_be_passed():
    """Without IPython, check() says to pass globals() instead of guessing."""
    with pytest.raises(RuntimeError, match=r"globals\(\)"):
        check("zero_pad")


def test_student_text_is_escaped_in_html():
    """An error message holding HTML is shown as text, never as markup."""
    def zero_pad(X, pad):
        raise ValueError("<img src=x onerror=alert(1)>")

    html = check("zero_pad", {"zero_pad": zero_pad})._repr_html_()
    assert "<img" not in html and "&lt;img" in html


def test_layer_table_is_rendered():
    """A model difference shows the expected and the student's layers side by side."""
    from autograder.grading.results import TestOutcome

    rows = [["1", "Dense(10, softmax)", "Dense(10)"]]
    table = layer_table_lines(rows)
    assert table[1] == "*  1  Dense(10, softmax)  Dense(10)"
    outcome = TestOutcome("m", "model", 0, 0, "failed", output="\n".join(["differs", *table]),
                          details={"function": "build_dense_baseline", "layers": rows})
    view = CheckView("check", [outcome], 0.1)
    html = view._repr_html_()
    assert "class='diff'" in html and "Dense(10, softmax)" in html and table[1] not in html
    assert table[1] in str(view)


def test_check_answers_reports_form_not_correctness():
    """Readable answers show how they were read; unreadable ones say what is accepted."""
    view = check_answers({"strided_output_shape": "(None, 14, 14, 12)",
                          "fashion_cnn_flatten": "sixteen hundred",
                          "conv_advantage": "d"})
    rows = {row.id: row for row in view.rows}
    assert rows["strided_output_shape"].state == "ok"
    assert rows["strided_output_shape"].message == "read as 14x14x12"
    assert rows["fashion_cnn_flatten"].state == "unreadable"
    assert "a number" in rows["fashion_cnn_flatten"].message
    assert rows["conv_params_32x32x3"].state == "blank"
    assert view.errors == ["'conv_advantage' matches no question (did you mean 'conv_advantages'?)"]
    assert "correct" not in str(view).replace("not whether it is right", "")


def test_check_answers_reads_quiz_answers_from_the_namespace():
    """Without arguments the answers are the kernel's QUIZ_ANSWERS."""
    assert check_answers(namespace={}).errors == [
        "QUIZ_ANSWERS is not defined yet: run its cell first"]
    view = check_answers(namespace={"QUIZ_ANSWERS": {"odd_pool_shape": "5x5x64"}})
    assert [r.state for r in view.rows if r.id == "odd_pool_shape"] == ["ok"]


def _saved_notebook(folder: Path, source: str) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    path = folder / "assignment.ipynb"
    nbformat.write(nb, path)
    return path


def _kernel(folder: Path, source: str) -> dict:
    """A namespace whose functions have inspectable source, as cells in IPython do."""
    path = folder / "kernel_cells.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("kernel_cells", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return vars(module)


CELL = "def flatten_size(shape):\n    return int(shape[0] * shape[1] * shape[2])\n"
QUIZ = 'QUIZ_ANSWERS = {"odd_pool_shape": "5x5x64"}\n'


def test_submit_refuses_while_the_kernel_differs_from_the_saved_notebook(tmp_path):
    """A function changed in the kernel but not saved stops submit, asking to save first."""
    notebook = _saved_notebook(tmp_path, CELL + QUIZ)
    kernel = _kernel(tmp_path, CELL.replace("int(", "round(") + QUIZ)
    view = submit(notebook, namespace=kernel)
    assert view.zip_path is None and not (tmp_path / "submission.zip").exists()
    assert "flatten_size" in view.problems[0] and "save the notebook" in view.problems[0]


def test_submit_writes_the_saved_notebook_and_says_where_each_function_comes_from(tmp_path):
    """With the kernel and the file in step, submit writes the zip and lists the sources."""
    notebook = _saved_notebook(tmp_path, CELL + QUIZ)
    view = submit(notebook, namespace=_kernel(tmp_path, CELL + QUIZ))
    assert view.zip_path == str(tmp_path / "submission.zip")
    with zipfile.ZipFile(view.zip_path) as archive:
        assert json.loads(archive.read("MANIFEST.json"))["files"].keys() == {"assignment.ipynb"}
    sources = dict(line.split(": ", 1) for line in view.sources)
    assert "flatten_size" in sources["shapes"] and "assignment.ipynb" in sources["shapes"]
    assert "conv_forward" in sources["convolution"] and "missing" in sources["convolution"]
    assert "wrote" in str(view) and "graded from" in view._repr_html_()


def test_submit_notices_unsaved_quiz_answers(tmp_path):
    """QUIZ_ANSWERS changed in the kernel but not in the file also asks to save first."""
    notebook = _saved_notebook(tmp_path, CELL + QUIZ)
    kernel = _kernel(tmp_path, CELL + QUIZ.replace("5x5", "6x6"))
    assert "QUIZ_ANSWERS" in submit(notebook, namespace=kernel).problems[0]


def test_ctrl_c_stops_a_check_instead_of_failing_a_case():
    """Interrupting a hung function (KeyboardInterrupt) stops the check; it is not a failure."""
    def flatten_size(shape):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        check("flatten_size", {"flatten_size": flatten_size})


def test_a_value_grading_cannot_carry_fails_here_too():
    """A return value that cannot cross as plain data fails, as it would when graded."""
    view = check("flatten_size", {"flatten_size": lambda shape: (n for n in shape)})
    assert not view.passed and "Unusable return value" in str(view)


def test_importing_the_helper_outside_jupyter_changes_nothing():
    """Where grading runs a notebook's kept import (no IPython), no Keras stand-in appears."""
    import subprocess
    import sys

    code = ("import sys; import autograder.student.notebook; "
            "print('keras' in sys.modules, 'pytest' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.split() == ["False", "False"]
