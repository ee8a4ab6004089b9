"""Turn a student notebook into one plain module source, without running any of it.

Only top-level imports, function and class definitions and constant
assignments survive, so a training cell, a ``print`` or a ``model.fit`` at top
level never runs when the grader imports the result.
"""

from __future__ import annotations
import __future__

import ast
import importlib.util
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

import nbformat

ANSWERS_NAME = "QUIZ_ANSWERS"
# Cell magics whose body is not Python: the whole cell is skipped.
_FOREIGN_CELL_MAGICS = frozenset(
    {"bash", "sh", "script", "html", "javascript", "js", "latex", "markdown", "svg",
     "perl", "ruby", "sql", "writefile", "file", "system", "sx"}
)
# Line magics (%), shell escapes (!) and help requests (?x, x?) are not Python.
_MAGIC_LINE = re.compile(r"^\s*[%!?]|\?\s*$")
_SYNTAX_ERRORS = (SyntaxError, ValueError, RecursionError, MemoryError)


@dataclass
class NotebookSource:
    """The code kept from a notebook, its quiz answers, and messages about its input."""

    source: str = ""
    answers: dict[str, object] | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def notebook_source(text: str, name: str) -> NotebookSource:
    """Parse notebook JSON ``text`` (called ``name`` in messages) and keep its safe code."""
    try:
        json.loads(text)
    except ValueError as exc:
        return NotebookSource(errors=[f"{name} is not a readable notebook: invalid JSON ({exc})"])
    captured: dict[str, Exception] = {}
    try:
        notebook = nbformat.reads(text, as_version=4, capture_validation_error=captured)
    except Exception as exc:  # nbformat raises many kinds on malformed structure
        return NotebookSource(errors=[f"{name} is not a readable notebook: {_short(exc)}"])
    if captured:
        problem = _short(next(iter(captured.values())))
        return NotebookSource(errors=[f"{name} is not a valid notebook: {problem}"])
    cells = [
        (number, cell.source)
        for number, cell in enumerate(notebook.cells, start=1)
        if cell.cell_type == "code"
    ]
    return cells_source(cells, name)


def cells_source(cells: Sequence[tuple[int, str]], name: str) -> NotebookSource:
    """Keep the safe top-level statements of numbered code cells, in order."""
    result = NotebookSource()
    futures: dict[str, ast.stmt] = {}
    blocks: list[str] = []
    quiz: tuple[int, ast.expr] | None = None
    for number, text in cells:
        tree = _parse_cell(number, text, result.warnings)
        if tree is None:
            continue
        kept: list[ast.stmt] = []
        for stmt in tree.body:
            quiz = _quiz_assignment(stmt, number) or quiz
            if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
                _keep_future(stmt, number, futures, result.warnings)
            elif isinstance(stmt, ast.Import | ast.ImportFrom):
                _note_missing_import(stmt, number, result.warnings)
                kept.append(_guarded(stmt))
            elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                kept.append(stmt)
            elif (constant := _constant_assignment(stmt)) is not None:
                kept.append(constant)
        if kept:
            code = ast.unparse(ast.Module(body=kept, type_ignores=[]))
            blocks.append(f"# cell {number}\n{code}")
    if blocks:
        header = [f"# The imports, definitions and constants of {name}; nothing else runs."]
        header += [ast.unparse(stmt) for stmt in futures.values()]
        result.source = "\n".join(header) + "\n\n" + "\n\n".join(blocks) + "\n"
    else:
        result.warnings.append(f"{name} defines no functions, classes or constants")
    _read_answers(quiz, result)
    return result


def _parse_cell(number: int, text: str, warnings: list[str]) -> ast.Module | None:
    try:
        return ast.parse(text)
    except _SYNTAX_ERRORS:
        pass  # most often IPython syntax; strip it below and try again
    lines = text.splitlines()
    first = lines[0].strip() if lines else ""
    if first.startswith("%%"):
        magic = first[2:].split(maxsplit=1)[0] if first[2:].strip() else ""
        if magic in _FOREIGN_CELL_MAGICS:
            warnings.append(f"cell {number} is a %%{magic} cell, not Python; it was skipped")
            return None
    # A magic line becomes `pass` so indented blocks and line numbers stay intact.
    cleaned = "\n".join(
        line[: len(line) - len(line.lstrip())] + "pass" if _MAGIC_LINE.search(line) else line
        for line in lines
    )
    try:
        return ast.parse(cleaned)
    except SyntaxError as exc:
        warnings.append(
            f"cell {number} has a syntax error on line {exc.lineno}: {exc.msg}; it was skipped"
        )
    except _SYNTAX_ERRORS as exc:
        warnings.append(f"cell {number} could not be parsed ({_short(exc)}); it was skipped")
    return None


def _constant_assignment(stmt: ast.stmt) -> ast.Assign | None:
    """``stmt`` as a plain assignment when it binds names to a literal, else None."""
    if isinstance(stmt, ast.Assign):
        targets, value = stmt.targets, stmt.value
    elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        # The annotation is dropped: at module level it would be evaluated.
        targets, value = [stmt.target], stmt.value
    else:
        return None
    if not all(_plain_target(t) for t in targets) or not _is_literal(value):
        return None
    return ast.Assign(targets=targets, value=value, lineno=stmt.lineno)


def _plain_target(target: ast.expr) -> bool:
    if isinstance(target, ast.Name):
        return True
    if isinstance(target, ast.Tuple | ast.List):
        return all(_plain_target(t) for t in target.elts)
    return False


def _is_literal(value: ast.expr) -> bool:
    try:
        ast.literal_eval(value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _guarded(stmt: ast.Import | ast.ImportFrom) -> ast.Try:
    """``try: <import> except ImportError: pass`` so one missing package spares the rest."""
    handler = ast.ExceptHandler(type=ast.Name(id="ImportError", ctx=ast.Load()), body=[ast.Pass()])
    return ast.Try(body=[stmt], handlers=[handler], orelse=[], finalbody=[])


def _note_missing_import(
    stmt: ast.Import | ast.ImportFrom, number: int, warnings: list[str]
) -> None:
    if isinstance(stmt, ast.ImportFrom):
        if stmt.level or not stmt.module:
            return
        modules = [stmt.module]
    else:
        modules = [alias.name for alias in stmt.names]
    for module in modules:
        if module.split(".")[0] in sys.stdlib_module_names or _installed(module):
            continue
        warnings.append(
            f"cell {number} imports {module}, which the grader does not have; "
            "that import is skipped and the rest of the notebook still loads"
        )


def _installed(module: str) -> bool:
    """Whether ``module`` can be found here, looked up without running any package code.

    The lookup descends only through namespace packages (such as ``google``),
    which have no code; at a regular package it stops and says yes.
    """
    parts = module.split(".")
    for depth in range(1, len(parts) + 1):
        try:
            spec = importlib.util.find_spec(".".join(parts[:depth]))
        except (ImportError, ValueError):
            return False
        if spec is None:
            return False
        if spec.origin is not None or spec.submodule_search_locations is None:
            return True
    return True


def _keep_future(
    stmt: ast.ImportFrom, number: int, futures: dict[str, ast.stmt], warnings: list[str]
) -> None:
    for alias in stmt.names:
        if alias.name in __future__.all_feature_names:
            futures.setdefault(alias.name, ast.ImportFrom("__future__", [alias], 0))
        else:
            warnings.append(f"cell {number} imports an unknown __future__ feature {alias.name!r}")


def _quiz_assignment(stmt: ast.stmt, number: int) -> tuple[int, ast.expr] | None:
    if isinstance(stmt, ast.Assign):
        targets = stmt.targets
    elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        targets = [stmt.target]
    else:
        return None
    if any(isinstance(t, ast.Name) and t.id == ANSWERS_NAME for t in targets):
        assert stmt.value is not None
        return number, stmt.value
    return None


def _read_answers(quiz: tuple[int, ast.expr] | None, result: NotebookSource) -> None:
    """Fill ``result.answers`` from the last ``QUIZ_ANSWERS = {...}`` assignment."""
    if quiz is None:
        return
    number, node = quiz
    where = f"{ANSWERS_NAME} (cell {number})"
    if not _is_literal(node):
        result.errors.append(
            f"{where} must be written out as a plain dict of literal values, "
            'such as {"conv_params_32x32x3": 456}; it was not read'
        )
        return
    value = ast.literal_eval(node)
    if not isinstance(value, dict):
        result.errors.append(f"{where} must be a dict, not a {type(value).__name__}")
        return
    bad = [key for key in value if not isinstance(key, str)]
    if bad:
        result.errors.append(
            f"{where} keys must be question ids in quotes; ignored {', '.join(map(repr, bad))}"
        )
    result.answers = {key: v for key, v in value.items() if isinstance(key, str)}


def _short(exc: BaseException, limit: int = 300) -> str:
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
