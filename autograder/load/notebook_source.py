"""Turn a student notebook into one plain module source, without running any of it.

Only top-level imports, function and class definitions and constant
assignments survive, so a training cell, a ``print`` or a ``model.fit`` at top
level never runs when the grader imports the result.
"""

from __future__ import annotations
import __future__

import ast
import importlib.util
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from autograder.load.dropped import Dropped, short_form
from autograder.load.literals import literal_value
from autograder.load.notebook_answers import AnswerCells
from autograder.load.notebook_cells import (
    SYNTAX_ERRORS,
    UnreadableNotebook,
    code_cells,
    error_text,
    parse_cell,
)
from autograder.load.toplevel import (
    Known,
    base_names,
    constant_assignment,
    is_silent,
    known_names,
)
from autograder.load.toplevel import binds as bound_by


@dataclass
class NotebookSource:
    """The code kept from a notebook, its quiz answers, and messages about its input."""

    source: str = ""
    answers: dict[str, object] | None = None
    defined: set[str] = field(default_factory=set)
    dropped: list[Dropped] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def notebook_source(text: str, name: str) -> NotebookSource:
    """Parse notebook JSON ``text`` (called ``name`` in messages) and keep its safe code."""
    try:
        cells = code_cells(text, name)
    except UnreadableNotebook as exc:
        return NotebookSource(errors=[str(exc)])
    return cells_source(cells, name)


def cells_source(cells: Sequence[tuple[int, str]], name: str) -> NotebookSource:
    """Keep the safe top-level statements of numbered code cells, in order.

    Cells are numbered by their position in the notebook, markdown cells
    included, so "cell 7" is the seventh cell from the top.
    """
    result = NotebookSource()
    futures: dict[str, ast.stmt] = {}
    blocks: list[str] = []
    answers = AnswerCells()
    trees = [(n, tree) for n, text in cells if (tree := parse_cell(n, text, result.warnings))]
    bound = _bound_names(tree for _, tree in trees)
    lazy = any(_is_future(s, "annotations") for _, tree in trees for s in tree.body)
    known = base_names()
    for number, tree in trees:
        kept: list[ast.stmt] = []
        for stmt in tree.body:
            answers.see(stmt, number)
            if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
                _keep_future(stmt, number, futures, result.warnings)
            elif isinstance(stmt, ast.Import | ast.ImportFrom):
                _note_missing_import(stmt, number, result.warnings)
                kept.append(_guarded(stmt))
            elif isinstance(stmt, _DEFINITIONS):
                if _compiles(stmt, number, result.warnings):
                    result.defined.add(stmt.name)
                    kept.append(_definition(stmt, number, bound, lazy, result.warnings))
            elif (constant := constant_assignment(stmt, known)) is not None:
                # Names in a constant may come from a guarded import that failed.
                kept.append(constant if _is_literal(constant.value) else _guarded(constant))
            else:
                if not is_silent(stmt) and not answers.reads(stmt):
                    where = f"{name} cell {number} line {stmt.lineno}"
                    result.dropped.append(Dropped(short_form(stmt), where, bound_by(stmt)))
                continue
            known |= known_names(stmt)
        if kept:
            code = ast.unparse(ast.Module(body=kept, type_ignores=[]))
            blocks.append(f"# cell {number}\n{code}")
    if blocks:
        header = [f"# The imports, definitions and constants of {name}; nothing else runs."]
        header += [ast.unparse(stmt) for stmt in futures.values()]
        result.source = "\n".join(header) + "\n\n" + "\n\n".join(blocks) + "\n"
    else:
        result.warnings.append(f"{name} defines no functions, classes or constants")
    result.answers, answer_errors = answers.read()
    result.errors += answer_errors
    return result


_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def _is_future(stmt: ast.stmt, feature: str) -> bool:
    return (
        isinstance(stmt, ast.ImportFrom)
        and stmt.module == "__future__"
        and any(alias.name == feature for alias in stmt.names)
    )


def _compiles(stmt: _Definition, number: int, warnings: list[str]) -> bool:
    """Whether a definition compiles on its own (``ast.parse`` misses e.g. a stray ``await``)."""
    try:
        compile(ast.Module(body=[stmt], type_ignores=[]), "<cell>", "exec", dont_inherit=True)
    except SYNTAX_ERRORS as exc:
        detail = getattr(exc, "msg", None) or error_text(exc)
        warnings.append(f"cell {number}: {stmt.name} does not compile ({detail}); it was skipped")
        return False
    return True


def _bound_names(trees: Iterable[ast.Module]) -> Known:
    """Every name the kept statements of the notebook bind at top level, plus builtins."""
    names = base_names()
    for tree in trees:
        for stmt in tree.body:
            definition = isinstance(stmt, (ast.Import, ast.ImportFrom, *_DEFINITIONS))
            if definition or constant_assignment(stmt, names) is not None:
                names |= known_names(stmt)
    return names


def _evaluated_at_definition(stmt: _Definition, lazy_annotations: bool) -> list[ast.expr]:
    """The expressions Python evaluates when the ``def`` or ``class`` statement itself runs."""
    found: list[ast.expr] = list(stmt.decorator_list)
    if isinstance(stmt, ast.ClassDef):
        found += stmt.bases + [k.value for k in stmt.keywords]
        return found
    args = stmt.args
    found += [d for d in (*args.defaults, *args.kw_defaults) if d is not None]
    if not lazy_annotations:
        every = (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg)
        found += [a.annotation for a in every if a is not None and a.annotation is not None]
        if stmt.returns is not None:
            found.append(stmt.returns)
    return found


def _definition(
    stmt: _Definition, number: int, bound: Known, lazy: bool, warnings: list[str]
) -> ast.stmt:
    """``stmt``, guarded when running it evaluates code that may fail without the dropped cells.

    A default value or decorator may use a variable that only a dropped
    statement defined; the guard then costs that one definition, not the module.
    """
    evaluated = [e for e in _evaluated_at_definition(stmt, lazy) if not _is_literal(e)]
    has_body_code = isinstance(stmt, ast.ClassDef) and any(
        not isinstance(s, _DEFINITIONS)
        and constant_assignment(s, bound) is None
        and not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
        for s in stmt.body
    )
    if not evaluated and not has_body_code:
        return stmt
    unknown = sorted(
        {
            n.id
            for expr in evaluated
            for n in ast.walk(expr)
            if isinstance(n, ast.Name) and n.id not in bound
        }
    )
    if unknown:
        warnings.append(
            f"cell {number}: {stmt.name} uses {', '.join(unknown)} in its definition line, "
            "but only imports, functions, classes and literal constants are kept from a "
            f"notebook; {stmt.name} may be missing at grading time"
        )
    return _guarded(stmt)


def _is_literal(value: ast.expr) -> bool:
    """A literal, or bounded arithmetic on literals such as ``2**21`` or ``28 * 28 * 3``."""
    try:
        literal_value(value)
    except (ValueError, RecursionError, MemoryError):
        return False
    return True


def _guarded(stmt: ast.stmt) -> ast.Try:
    """``try: <stmt> except Exception: pass``, so one failing statement spares the rest."""
    handler = ast.ExceptHandler(type=ast.Name(id="Exception", ctx=ast.Load()), body=[ast.Pass()])
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
