"""Export the exercises as an otter-assign master notebook.

The notebook holds one otter question per exercise module: the reference
module's code as the solution cell (otter keeps the signatures and
docstrings and replaces each solution region with ``...``), then public and
hidden test cells whose expected values were computed here from the
reference, as literals. Run ``otter assign`` on it to get the student
notebook and an autograder zip.

Otter runs its tests inside the student's own kernel, so a course that
grades with it does not get convgrade's isolation of student code.
"""

from __future__ import annotations

import ast
import json
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import nbformat
import numpy as np

from autograder.course.paths import STUDENT_MODULES, CourseLayout
from autograder.export.otter_cases import INTRO, QUESTIONS, Case, Question
from autograder.load.modules import load_module_group

MASTER_NAME = "convgrade-otter.ipynb"
ASSIGNMENT_NAME = "convgrade"
# Outside a function body a solution region holds private helpers: a student
# gets nothing in their place rather than a stray ``...``.
_HELPER_REGION = "# BEGIN SOLUTION NO PROMPT"
_MARKERS = ("# BEGIN SOLUTION", "# END SOLUTION")
# Tolerance of array and float comparisons in the test cells.
_ATOL = 1e-6
# Everything runs offline: no PDFs, no tests run by ``otter assign`` (that
# needs a kernel), tests kept in the notebook metadata and the autograder zip.
_ASSIGNMENT_CONFIG = f"""\
# ASSIGNMENT CONFIG
name: {ASSIGNMENT_NAME}
requirements:
  - numpy
  - keras
  - tensorflow-cpu
init_cell: true
check_all_cell: false
export_cell: false
run_tests: false
solutions_pdf: false
generate: true
"""


def build_otter_master(course: CourseLayout, out: Path) -> Path:
    """Write the otter-assign master notebook into ``out`` and return its path.

    Raises:
        ValueError: if a reference module fails to import, or a test case
            does not behave as its check expects on the reference.
    """
    notebook = master_notebook(course)
    out.mkdir(parents=True, exist_ok=True)
    path = out / MASTER_NAME
    nbformat.write(notebook, path)
    return path


def local_kernel_env(root: Path) -> dict[str, str]:
    """Environment in which otter's "python3" Jupyter kernel is this interpreter.

    ``otter run`` asks for that kernel name; pointing it here lets it grade
    offline, with no docker and nothing installed. The spec is written under ``root``.
    """
    spec = root / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "Python 3", "language": "python"})
    )
    return {**os.environ, "JUPYTER_PATH": str(root), "TF_CPP_MIN_LOG_LEVEL": "2"}


def master_notebook(course: CourseLayout) -> nbformat.NotebookNode:
    """The master notebook for every exercise whose reference module exists."""
    questions = [q for q in QUESTIONS if (course.reference / f"{q.name}.py").is_file()]
    group = load_module_group(course.reference, tuple(q.name for q in questions))
    if group.errors:
        raise ValueError("; ".join(f"reference {msg}" for msg in group.errors.values()))
    cells = [
        nbformat.v4.new_raw_cell(_ASSIGNMENT_CONFIG),
        nbformat.v4.new_markdown_cell(INTRO),
    ]
    for question in questions:
        source = solution_source(course.reference / f"{question.name}.py")
        cells += _question_cells(question, source, group.modules[question.name])
    for index, cell in enumerate(cells):
        cell["id"] = f"convgrade-{index:03d}"
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    }
    nbformat.validate(notebook)
    return notebook


def solution_source(path: Path) -> str:
    """A reference module as one notebook cell.

    The module docstring, ``from __future__`` imports and imports of sibling
    exercise modules (all questions share one namespace) are dropped, and
    column-0 solution regions become otter's no-prompt regions.

    Raises:
        ValueError: if a line mentions SOLUTION outside a marker, which otter
            would strip as a one-line solution.
    """
    text = path.read_text(encoding="utf-8")
    drop: set[int] = set()
    for index, node in enumerate(ast.parse(text).body):
        if _is_dropped(node, first=index == 0):
            drop.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    lines: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if number in drop:
            continue
        if "SOLUTION" in line and line.strip() not in _MARKERS:
            raise ValueError(f"{path.name}:{number}: SOLUTION outside a marker: {line.strip()}")
        if line == _MARKERS[0]:
            # Blank lines move inside the region, so that the student's copy
            # does not keep two runs of them where the helpers were.
            blanks = 0
            while lines and not lines[-1]:
                lines.pop()
                blanks += 1
            lines += [_HELPER_REGION] + [""] * blanks
        else:
            lines.append(line.rstrip())
    return re.sub(r"\n{3,}", "\n\n\n", "\n".join(lines)).strip("\n")


def _is_dropped(node: ast.stmt, first: bool) -> bool:
    if first and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
        return isinstance(node.value.value, str)
    if isinstance(node, ast.ImportFrom):
        return node.module == "__future__" or node.module in STUDENT_MODULES
    if isinstance(node, ast.Import):
        return any(alias.name in STUDENT_MODULES for alias in node.names)
    return False


def split_points(total: int, count: int) -> list[int]:
    """Whole points for ``count`` tests adding up to ``total``, earlier tests first."""
    base, extra = divmod(total, count)
    return [base + 1 if i < extra else base for i in range(count)]


def _question_cells(
    question: Question, source: str, reference: ModuleType
) -> list[nbformat.NotebookNode]:
    points = split_points(question.points, len(question.cases))
    config = f"# BEGIN QUESTION\nname: {question.name}\npoints: {points}"
    cells = [
        nbformat.v4.new_raw_cell(config),
        nbformat.v4.new_markdown_cell(question.intro),
        nbformat.v4.new_raw_cell("# BEGIN SOLUTION"),
        nbformat.v4.new_code_cell(source),
        nbformat.v4.new_raw_cell("# END SOLUTION"),
        nbformat.v4.new_raw_cell("# BEGIN TESTS"),
    ]
    cells += [nbformat.v4.new_code_cell(case_source(case, reference)) for case in question.cases]
    cells += [nbformat.v4.new_raw_cell("# END TESTS"), nbformat.v4.new_raw_cell("# END QUESTION")]
    return cells


def case_source(case: Case, reference: ModuleType) -> str:
    """The code of one otter test cell, its expected value taken from ``reference``.

    The student's value is converted to plain numbers before it is compared,
    so an object that claims to equal anything does not pass.
    """
    namespace: dict[str, Any] = {**vars(reference), "np": np}
    setup = "\n".join(case.setup)
    exec(setup, namespace)
    render = _RENDERERS[case.check]
    lines = ["# HIDDEN"] if case.hidden else []
    lines += [*case.setup, *render(case.call, lambda: eval(case.call, namespace))]
    return "\n".join(lines)


def _array(call: str, value: Callable[[], Any]) -> list[str]:
    expected = np.round(np.asarray(value(), dtype=np.float64), 10).tolist()
    return [
        f"got = np.asarray({call}, dtype=float)",
        f"expected = np.array({expected!r})",
        "assert got.shape == expected.shape, f'shape {got.shape}, expected {expected.shape}'",
        f"assert np.allclose(got, expected, atol={_ATOL}), 'values differ'",
    ]


def _float(call: str, value: Callable[[], Any]) -> list[str]:
    expected = round(float(value()), 10)
    return [f"got = float({call})", f"assert abs(got - {expected!r}) <= {_ATOL}, got"]


def _int(call: str, value: Callable[[], Any]) -> list[str]:
    expected = int(value())
    return [
        f"got = {call}",
        "assert isinstance(got, (int, np.integer)) and not isinstance(got, bool), type(got)",
        f"assert int(got) == {expected}, got",
    ]


def _tuple(call: str, value: Callable[[], Any]) -> list[str]:
    expected = tuple(int(v) for v in value())
    return [
        f"got = {call}",
        f"assert isinstance(got, tuple) and len(got) == {len(expected)}, got",
        f"assert tuple(int(v) for v in got) == {expected!r}, got",
    ]


def _rows(call: str, value: Callable[[], Any]) -> list[str]:
    expected = [(tuple(int(d) for d in shape), int(params)) for shape, params in value()]
    return [
        f"got = [(tuple(int(d) for d in shape), int(params)) for shape, params in {call}]",
        f"assert got == {expected!r}, got",
    ]


def _raises(call: str, value: Callable[[], Any]) -> list[str]:
    try:
        value()
    except ValueError:
        pass
    else:
        raise ValueError(f"the reference does not raise ValueError for {call}")
    return [
        "try:",
        f"    {call}",
        "except ValueError:",
        "    raised = True",
        "else:",
        "    raised = False",
        "assert raised, 'expected a ValueError'",
    ]


def _model(call: str, value: Callable[[], Any]) -> list[str]:
    model = value()
    kinds = _layer_kinds(model)
    optimizer = type(model.optimizer).__name__
    return [
        f"model = {call}",
        "kinds = [type(layer).__name__ for layer in model.layers]",
        f"assert [k for k in kinds if k != 'InputLayer'] == {kinds!r}, kinds",
        f"assert int(model.count_params()) == {int(model.count_params())}, model.count_params()",
        f"assert type(model.optimizer).__name__ == {optimizer!r}, 'compile with {optimizer}'",
    ]


def _layer_kinds(model: Any) -> list[str]:
    # A functional model lists its InputLayer and a Sequential one does not;
    # either way of building the model is fine.
    return [k for k in (type(layer).__name__ for layer in model.layers) if k != "InputLayer"]


_RENDERERS: dict[str, Callable[[str, Callable[[], Any]], list[str]]] = {
    "array": _array,
    "float": _float,
    "int": _int,
    "tuple": _tuple,
    "rows": _rows,
    "raises": _raises,
    "model": _model,
}
