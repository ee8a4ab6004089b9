"""Export the exercises as an otter-assign master notebook.

The notebook holds one otter question per exercise of the course table: the
reference module's code as the solution cell (otter keeps the signatures and
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
from pathlib import Path
from types import ModuleType

import nbformat

from autograder.course.paths import CourseLayout
from autograder.course.table import Exercise, course_table
from autograder.export.otter_cases import INTRO, QUESTIONS, Question, default_question
from autograder.export.otter_checks import case_source as case_source  # re-exported
from autograder.load.modules import load_module_group

MASTER_NAME = "convgrade-otter.ipynb"
ASSIGNMENT_NAME = "convgrade"
# Outside a function body a solution region holds private helpers: a student
# gets nothing in their place rather than a stray ``...``.
_HELPER_REGION = "# BEGIN SOLUTION NO PROMPT"
_MARKERS = ("# BEGIN SOLUTION", "# END SOLUTION")
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
    """The master notebook for every exercise of the course table whose reference module exists."""
    table = course_table(course)
    questions = [_question(e, course) for e in table.exercises
                 if (course.reference / e.file).is_file()]
    group = load_module_group(course.reference, tuple(q.name for q in questions))
    if group.errors:
        raise ValueError("; ".join(f"reference {msg}" for msg in group.errors.values()))
    cells = [
        nbformat.v4.new_raw_cell(_ASSIGNMENT_CONFIG),
        nbformat.v4.new_markdown_cell(INTRO),
    ]
    for question in questions:
        source = solution_source(course.reference / f"{question.name}.py", table.names)
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


def _question(exercise: Exercise, course: CourseLayout) -> Question:
    """The question written for ``exercise``, or one worth its hidden grader's points."""
    if exercise.name in QUESTIONS:
        return QUESTIONS[exercise.name]
    from autograder.grading.plugin import collect_plan  # pytest, only for an unwritten one

    grader = course.graders / exercise.grader
    total = sum(o.max_score for o in collect_plan([grader])) if grader.is_file() else 0
    return default_question(exercise, max(round(total), 1))


def solution_source(path: Path, modules: tuple[str, ...] | None = None) -> str:
    """A reference module as one notebook cell.

    The module docstring, ``from __future__`` imports and imports of sibling
    exercise modules (all questions share one namespace; ``modules``, by
    default those of the course table) are dropped, and
    column-0 solution regions become otter's no-prompt regions.

    Raises:
        ValueError: if a line mentions SOLUTION outside a marker, which otter
            would strip as a one-line solution.
    """
    text = path.read_text(encoding="utf-8")
    siblings = set(course_table().names if modules is None else modules)
    drop: set[int] = set()
    for index, node in enumerate(ast.parse(text).body):
        if _is_dropped(node, index == 0, siblings):
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


def _is_dropped(node: ast.stmt, first: bool, siblings: set[str]) -> bool:
    if first and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
        return isinstance(node.value.value, str)
    if isinstance(node, ast.ImportFrom):
        return node.module == "__future__" or node.module in siblings
    if isinstance(node, ast.Import):
        return any(alias.name in siblings for alias in node.names)
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
