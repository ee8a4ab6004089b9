"""Student notebooks built from the stubs: a short lesson per function, then its code.

Every cell has a fixed id and no outputs, so building twice gives the same bytes
and a regenerated notebook only changes when its stub or lesson text changes.
The modules come in the order of the course table, which also gives each
notebook its title; the teaching text lives in :mod:`autograder.authoring.lessons`.
"""

from __future__ import annotations

import ast
import re

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.authoring.lessons import INTROS, LESSONS, SCRATCH, TRY
from autograder.quiz.files import FORMATS, Question, Quiz
from autograder.quiz.render import quiz_to_markdown


def public_functions(stub: str) -> list[str]:
    """Names of the top-level functions of a module that do not start with ``_``."""
    return [
        node.name
        for node in ast.parse(stub).body
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")
    ]


def split_stub(stub: str) -> tuple[str, list[tuple[str, str]]]:
    """The stub's preamble (docstring, imports) and ``(name, source)`` per public function.

    Comment lines right above a function belong to it; anything between two
    public functions stays with the first, so joining the pieces loses nothing.
    """
    lines = stub.splitlines()
    starts: list[tuple[int, str]] = []
    for node in ast.parse(stub).body:
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
            while first > 0 and lines[first - 1].startswith("#"):
                first -= 1
            starts.append((first, node.name))
    bounds = [start for start, _ in starts] + [len(lines)]
    preamble = "\n".join(lines[: bounds[0]]).strip("\n")
    pieces = [
        (name, "\n".join(lines[start : bounds[i + 1]]).strip("\n"))
        for i, (start, name) in enumerate(starts)
    ]
    return preamble, pieces


def _lesson(name: str, stub: str) -> str:
    if name in LESSONS:
        what, example = LESSONS[name]
        body = f"{what}\n\n**Example:** {example}"
    else:  # a function without a written lesson still gets its docstring's summary
        tree = next(n for n in ast.parse(stub).body if getattr(n, "name", None) == name)
        body = (ast.get_docstring(tree) or "").split("\n", 1)[0]
    return (f"### `{name}`\n\n{body}\n\n**Check yourself:** run your cell, then the "
            f"`check` cell under it; it tests `{name}` as this notebook holds it now.")


def check_cell(name: str) -> str:
    """The cell after a function's cell: its public tests, on the kernel's current code."""
    return f"check({name!r})".replace("'", '"')


def _module_cells(module: str, stub: str, level: str, title: str) -> list[NotebookNode]:
    """Title, preamble code, per function a lesson, its code and its check, then scratch."""
    intro = INTROS.get(module, "")
    preamble, pieces = split_stub(stub)
    cells = [new_markdown_cell(f"{level} {title} (`{module}.py`)\n\n{intro}".rstrip())]
    if preamble:
        cells.append(new_code_cell(preamble))
    for name, source in pieces:
        cells.append(new_markdown_cell(_lesson(name, stub)))
        cells.append(new_code_cell(source))
        cells.append(new_code_cell(check_cell(name)))
    cells.append(new_code_cell(SCRATCH + TRY.get(module, "")))
    return cells


def _notebook(cells: list[NotebookNode], prefix: str) -> NotebookNode:
    for index, cell in enumerate(cells):
        cell.id = f"{prefix}-{index:02d}"
    nb = new_notebook(cells=cells)
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    nbformat.validate(nb)
    return nb


HOW_TO = (
    "In each code cell, replace `# YOUR CODE HERE` and the `raise NotImplementedError(...)` "
    "under it with your code, and run the cell. Keep the names and arguments of the "
    "functions as they are: the grader calls them. Code outside the functions (experiments, "
    "training runs, plots) is ignored at grading time.\n\n"
    "Under each function a `check(...)` cell runs its public tests on the code this "
    "notebook holds now, and explains a known mistake when it spots one. Passing them is a "
    "good sign, not a guarantee: the grader runs more cases."
)
HELPER = (
    "# Run this cell first: it brings in check() and submit() for this notebook.\n"
    "from autograder.student.notebook import check, check_all, check_answers, submit"
)
SUBMIT_TEXT = (
    "{level} Submitting\n\n"
    "Save the notebook first ({save}), then run the cell below. It reads the saved file the "
    "way the grader will, writes `submission.zip` with a list of the files inside, and says "
    "which file each function is graded from. Upload that zip."
)
SAVE = "File > Save, or Ctrl+S"


def _opening(text: str) -> list[NotebookNode]:
    return [new_markdown_cell(text), new_code_cell(HELPER)]


def module_notebook(module: str, stub: str, title: str | None = None) -> NotebookNode:
    """The notebook for one exercise module: lessons, stub code and checks, function by function.

    ``title`` is the exercise's title in the course table (default: the module name).
    """
    cells = _module_cells(module, stub, "#", title or module)
    cells[1:1] = _opening(HOW_TO)  # below the title: how to work, then the helper import
    if len(public_functions(stub)) > 1:  # the whole exercise at once, when it has several
        cells.append(new_code_cell(check_cell(module)))
    cells.append(new_markdown_cell(
        SUBMIT_TEXT.format(level="##", save=SAVE) + " It packs the whole bundle folder, "
        "so every exercise notebook you worked in is included."
    ))
    cells.append(new_code_cell(f'submit("..", notebook="{module}.ipynb")'))
    return _notebook(cells, module)


def quiz_answers_source(questions: list[Question]) -> str:
    """The code cell students fill in: every quiz id mapped to ``None``, which scores as missing."""
    lines = [
        "# Replace each None with your answer; None counts as no answer.",
        "QUIZ_ANSWERS = {",
        *(f'    "{q.id}": None,  # {q.kind}: {FORMATS[q.kind]}' for q in questions),
        "}",
    ]
    return "\n".join(lines)


def assignment_notebook(
    stubs: dict[str, str],
    questions: list[Question] | None,
    titles: dict[str, str] | None = None,
) -> NotebookNode:
    """The whole assignment in one notebook: every module in course order, then the quiz.

    ``questions`` of ``None`` (no quiz file yet) leaves the quiz section out;
    ``titles`` maps a module to its title (default: the module name).
    """
    titles = titles or {}
    cells = _opening("# Convolutional neural networks: the assignment\n\n" + HOW_TO
                     + "\n\nSubmit this notebook as it is; the quiz is at the end.")
    for module, stub in stubs.items():
        cells += _module_cells(module, stub, "##", titles.get(module, module))
    if questions:
        # Rendering the quiz needs only the questions; the keys are never loaded here.
        text = quiz_to_markdown(Quiz(questions=questions, keys={}), with_keys=False)
        # One heading level down, so the quiz sits beside the modules' sections.
        cells.append(new_markdown_cell(re.sub(r"^(#+) ", r"#\1 ", text.rstrip("\n"), flags=re.M)))
        cells.append(new_code_cell(quiz_answers_source(questions)))
        cells.append(new_markdown_cell(ANSWERS_TEXT))
        cells.append(new_code_cell("check_answers()"))
    cells.append(new_markdown_cell(ALL_TEXT))
    cells.append(new_code_cell("check_all()"))
    cells.append(new_markdown_cell(SUBMIT_TEXT.format(level="##", save=SAVE)))
    cells.append(new_code_cell('submit("assignment.ipynb")'))
    return _notebook(cells, "assignment")


ALL_TEXT = (
    "## Before you submit\n\n"
    "`check_all()` runs every public test at once: a quick overview of what is done, "
    "what is not started yet, and which mistakes remain."
)


ANSWERS_TEXT = (
    "Run the cell below to see whether the grader can read each answer, and how it reads "
    "it. It checks the form only, never whether an answer is right: one letter for a "
    'single choice (`"b"`), a list of letters for several (`["a", "c"]`), a number '
    '(`1234`, `"1,234"` or `1.2e3`), or a shape as height x width x channels (`"10x10x3"`).'
)


def notebook_text(nb: NotebookNode) -> str:
    """The notebook as the exact text written to disk (keys sorted, one final newline)."""
    text = nbformat.writes(nb, version=4)
    return text if text.endswith("\n") else text + "\n"
