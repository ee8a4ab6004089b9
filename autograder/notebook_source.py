"""Turn a student notebook into one plain module source, without running any of it.

Only top-level imports, function and class definitions and constant
assignments survive, so a training cell, a ``print`` or a ``model.fit`` at top
level never runs when the grader imports the result.
"""

from __future__ import annotations
import __future__

import ast
import builtins
import importlib.util
import json
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import nbformat

ANSWERS_NAME = "QUIZ_ANSWERS"
# Cell magics whose body is not Python: the whole cell is skipped.
_FOREIGN_CELL_MAGICS = frozenset(
    {
        "bash",
        "sh",
        "script",
        "html",
        "javascript",
        "js",
        "latex",
        "markdown",
        "svg",
        "perl",
        "ruby",
        "sql",
        "writefile",
        "file",
        "system",
        "sx",
    }
)
# Line magics (%), shell escapes (!) and help requests (?x, x?) are not Python.
_MAGIC_LINE = re.compile(r"^\s*[%!?]|\?\s*$")
_SYNTAX_ERRORS = (SyntaxError, ValueError, RecursionError, MemoryError)


@dataclass
class NotebookSource:
    """The code kept from a notebook, its quiz answers, and messages about its input."""

    source: str = ""
    answers: dict[str, object] | None = None
    defined: set[str] = field(default_factory=set)
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
    """Keep the safe top-level statements of numbered code cells, in order.

    Cells are numbered by their position in the notebook, markdown cells
    included, so "cell 7" is the seventh cell from the top.
    """
    result = NotebookSource()
    futures: dict[str, ast.stmt] = {}
    blocks: list[str] = []
    answers = _Answers()
    trees = [(n, tree) for n, text in cells if (tree := _parse_cell(n, text, result.warnings))]
    bound = _bound_names(tree for _, tree in trees)
    lazy = any(_is_future(s, "annotations") for _, tree in trees for s in tree.body)
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
    answers.read_into(result)
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
    except _SYNTAX_ERRORS as exc:
        detail = getattr(exc, "msg", None) or _short(exc)
        warnings.append(f"cell {number}: {stmt.name} does not compile ({detail}); it was skipped")
        return False
    return True


def _bound_names(trees: Iterable[ast.Module]) -> set[str]:
    """Every name the kept statements of the notebook bind at top level, plus builtins."""
    names = set(dir(builtins)) | {"__name__", "__file__", "__doc__"}
    for tree in trees:
        for stmt in tree.body:
            if isinstance(stmt, ast.Import | ast.ImportFrom):
                names.update((a.asname or a.name).split(".")[0] for a in stmt.names)
            elif isinstance(stmt, _DEFINITIONS):
                names.add(stmt.name)
            elif (constant := _constant_assignment(stmt)) is not None:
                for target in constant.targets:
                    names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
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
    stmt: _Definition, number: int, bound: set[str], lazy: bool, warnings: list[str]
) -> ast.stmt:
    """``stmt``, guarded when running it evaluates code that may fail without the dropped cells.

    A default value or decorator may use a variable that only a dropped
    statement defined; the guard then costs that one definition, not the module.
    """
    evaluated = [e for e in _evaluated_at_definition(stmt, lazy) if not _is_literal(e)]
    has_body_code = isinstance(stmt, ast.ClassDef) and any(
        not isinstance(s, _DEFINITIONS)
        and _constant_assignment(s) is None
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
    """A literal, or arithmetic on literals such as ``2**21`` or ``28 * 28``.

    Only the shape of the tree is checked here; the value is computed later, in
    the sandboxed child that runs the student's module.
    """
    if isinstance(value, ast.BinOp):
        return _is_literal(value.left) and _is_literal(value.right)
    if isinstance(value, ast.UnaryOp):
        return _is_literal(value.operand)
    try:
        ast.literal_eval(value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
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


class _Answers:
    """Follows ``QUIZ_ANSWERS = {...}`` and ``QUIZ_ANSWERS["id"] = value`` across cells."""

    def __init__(self) -> None:
        self.whole: tuple[int, ast.expr] | None = None
        self.items: list[tuple[int, ast.expr, ast.expr]] = []

    def see(self, stmt: ast.stmt, number: int) -> None:
        if isinstance(stmt, ast.Assign):
            targets, value = stmt.targets, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            targets, value = [stmt.target], stmt.value
        else:
            return
        for target in targets:
            if isinstance(target, ast.Name) and target.id == ANSWERS_NAME:
                self.whole, self.items = (number, value), []  # a new dict replaces the old one
            elif (
                isinstance(target, ast.Subscript)
                and isinstance(target.value, ast.Name)
                and target.value.id == ANSWERS_NAME
            ):
                self.items.append((number, target.slice, value))

    def read_into(self, result: NotebookSource) -> None:
        """Fill ``result.answers`` by evaluating the literals only; nothing is executed."""
        if self.whole is None and not self.items:
            return
        answers: dict[str, object] = {}
        if self.whole is not None:
            number, node = self.whole
            where = f"{ANSWERS_NAME} (cell {number})"
            if not _is_literal(node):
                result.errors.append(
                    f"{where} must be written out as a plain dict of literal values, "
                    'such as {"conv_advantages": "a"}; it was not read'
                )
            elif not isinstance(value := ast.literal_eval(node), dict):
                result.errors.append(f"{where} must be a dict, not a {type(value).__name__}")
            else:
                bad = [key for key in value if not isinstance(key, str)]
                if bad:
                    result.errors.append(
                        f"{where} keys must be question ids in quotes; "
                        f"ignored {', '.join(map(repr, bad))}"
                    )
                answers = {k: v for k, v in value.items() if isinstance(k, str)}
        for number, key, node in self.items:
            if not (_is_literal(key) and isinstance(k := ast.literal_eval(key), str)):
                result.errors.append(
                    f"{ANSWERS_NAME}[...] in cell {number} needs a question id in quotes"
                )
            elif not _is_literal(node):
                result.errors.append(
                    f"{ANSWERS_NAME}[{k!r}] in cell {number} must be a literal value "
                    "(a letter, a list of letters, a number or a shape string); it was not read"
                )
            else:
                answers[k] = ast.literal_eval(node)
        result.answers = answers


def _short(exc: BaseException, limit: int = 300) -> str:
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
