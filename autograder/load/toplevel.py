"""The one top-level rule for ``.py`` files and notebooks: what runs when a module is graded.

Only imports, function and class definitions and constants run at grading
time, wherever the code was written. A constant is a literal, arithmetic on
literals (``28 * 28``), a name or attribute of something already kept
(``DTYPE = np.float64``), a container of those, or a lambda whose defaults are
constants (``window_sum = lambda a, w: ...``): defining any of these runs no
student code. Everything else at top level (``model.fit(...)``, ``print``, a
loop) is dropped and reported, so a leftover training run costs nothing.

A ``.py`` file keeps its line numbers: dropped statements become comments.
How a dropped statement is reported is :mod:`autograder.load.dropped`.
"""

from __future__ import annotations

import ast
import builtins
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from autograder.load.dropped import Dropped, short_form
from autograder.student import HELPER_CALLS

_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)
_SYNTAX_ERRORS = (SyntaxError, ValueError, RecursionError, MemoryError)
_MAX_DEPTH = 50
NOT_RUN_NOTE = "# [not run when graded] "
# Calls that only build a value from constants, so `KERNEL = np.array([[1, 0], [0, 1]])`
# is kept. Nothing here reads files, touches the network or runs student code.
SAFE_CALLS = frozenset(
    [f"builtins.{n}" for n in ("int", "float", "bool", "str", "tuple", "list", "dict", "set",
                               "frozenset", "range", "abs", "min", "max", "round", "len")]
    + [f"numpy.{n}" for n in ("array", "asarray", "zeros", "ones", "full", "eye", "identity",
                              "arange", "linspace", "finfo", "iinfo", "float32", "float64",
                              "int32", "int64", "sqrt", "prod")]
    + [f"math.{n}" for n in ("sqrt", "ceil", "floor", "prod", "exp", "log", "log2", "isqrt")]
)
# Name -> what it refers to: "numpy" for `import numpy as np`, "builtins.len", or "" for
# anything the student defined.
Known = dict[str, str]


@dataclass
class FilteredModule:
    """A ``.py`` file with its top-level statements that do not run turned into comments."""

    text: str
    dropped: list[Dropped] = field(default_factory=list)


def is_constant(node: ast.expr, known: Known, depth: int = 0) -> bool:
    """Whether evaluating ``node`` at import time runs no student code (see the module doc)."""
    if depth > _MAX_DEPTH:
        return False
    deeper = depth + 1
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Name):
        return node.id in known
    if isinstance(node, ast.Attribute):
        return isinstance(node.ctx, ast.Load) and is_constant(node.value, known, deeper)
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return all(is_constant(e, known, deeper) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(
            k is not None and is_constant(k, known, deeper) and is_constant(v, known, deeper)
            for k, v in zip(node.keys, node.values, strict=True)
        )
    if isinstance(node, ast.BinOp):
        return isinstance(node.op, _ARITHMETIC) and all(
            is_constant(n, known, deeper) for n in (node.left, node.right)
        )
    if isinstance(node, ast.UnaryOp):
        return isinstance(node.op, ast.USub | ast.UAdd) and is_constant(node.operand, known, deeper)
    if isinstance(node, ast.Lambda):
        defaults = [d for d in (*node.args.defaults, *node.args.kw_defaults) if d is not None]
        return all(is_constant(d, known, deeper) for d in defaults)
    if isinstance(node, ast.Call):
        arguments = [*node.args, *(k.value for k in node.keywords)]
        return _origin(node.func, known) in SAFE_CALLS and all(
            not isinstance(a, ast.Starred) and is_constant(a, known, deeper) for a in arguments
        )
    return False


def _origin(func: ast.expr, known: Known) -> str:
    """What a called name refers to, as ``module.attribute`` (``np.zeros`` -> numpy.zeros)."""
    parts: list[str] = []
    while isinstance(func, ast.Attribute):
        parts.insert(0, func.attr)
        func = func.value
    if not isinstance(func, ast.Name) or not known.get(func.id):
        return ""
    return ".".join([known[func.id], *parts])


def binds(stmt: ast.stmt) -> tuple[str, ...]:
    """The top-level names ``stmt`` assigns (the targets of assignments and loops)."""
    targets: list[ast.expr] = []
    if isinstance(stmt, ast.Assign):
        targets = list(stmt.targets)
    elif isinstance(stmt, ast.AnnAssign | ast.AugAssign | ast.For | ast.AsyncFor):
        targets = [stmt.target]
    elif isinstance(stmt, ast.With | ast.AsyncWith):
        targets = [i.optional_vars for i in stmt.items if i.optional_vars is not None]
    names = [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    if isinstance(stmt, ast.If | ast.For | ast.While | ast.Try | ast.With):
        for child in ast.iter_child_nodes(stmt):
            if isinstance(child, ast.stmt):
                names += binds(child)
            elif isinstance(child, ast.ExceptHandler):
                names += [n for s in child.body for n in binds(s)]
    return tuple(dict.fromkeys(names))


def plain_targets(targets: Iterable[ast.expr]) -> bool:
    """Whether every target is a name or a tuple/list of names (no item or attribute stores)."""
    def plain(target: ast.expr) -> bool:
        if isinstance(target, ast.Name):
            return True
        return isinstance(target, ast.Tuple | ast.List) and all(plain(t) for t in target.elts)

    return all(plain(t) for t in targets)


def constant_assignment(stmt: ast.stmt, known: Known) -> ast.Assign | None:
    """``stmt`` as a plain assignment when it binds names to a constant, else None."""
    if isinstance(stmt, ast.Assign):
        targets, value = stmt.targets, stmt.value
    elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        # The annotation is dropped: at module level it would be evaluated.
        targets, value = [stmt.target], stmt.value
    else:
        return None
    if not plain_targets(targets) or not is_constant(value, known):
        return None
    return ast.Assign(targets=targets, value=value, lineno=stmt.lineno)


def is_silent(stmt: ast.stmt) -> bool:
    """Statements not worth reporting: a docstring, ``pass``, ``...``, a main or typing guard."""
    if isinstance(stmt, ast.Pass):
        return True
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
        return True
    if _is_helper_call(stmt):
        return True
    return isinstance(stmt, ast.If) and (_is_main_guard(stmt.test) or _is_type_checking(stmt.test))


def _is_helper_call(stmt: ast.stmt) -> bool:
    # A notebook's own check(...) / submit(...) cells: there for the student to run, not graded.
    call = stmt.value if isinstance(stmt, ast.Expr) else None
    return (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Name)
        and call.func.id in HELPER_CALLS
    )


def _is_type_checking(test: ast.expr) -> bool:
    # `if TYPE_CHECKING:` is False when the module runs, graded or not.
    name = test.attr if isinstance(test, ast.Attribute) else getattr(test, "id", "")
    return name == "TYPE_CHECKING"


def _is_main_guard(test: ast.expr) -> bool:
    # `if __name__ == "__main__":` never runs on import, when graded or not.
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and len(test.comparators) == 1
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value == "__main__"
    )


def keeps(stmt: ast.stmt, known: Known) -> bool:
    """Whether ``stmt`` runs at grading time under the top-level rule."""
    if isinstance(stmt, (ast.Import, ast.ImportFrom, *_DEFINITIONS)):
        return True
    if constant_assignment(stmt, known) is not None:
        return True
    if isinstance(stmt, ast.Try):
        # `try: import x / except ImportError: x = None` and the like run nothing else.
        inner = [*stmt.body, *stmt.orelse, *stmt.finalbody]
        inner += [s for h in stmt.handlers for s in h.body]
        return all(keeps(s, known) or isinstance(s, ast.Pass) for s in inner)
    return False


def known_names(stmt: ast.stmt) -> Known:
    """Names a kept statement makes available to the constants after it, with their origin."""
    if isinstance(stmt, ast.Import):
        return {
            a.asname or a.name.split(".")[0]: a.name if a.asname else a.name.split(".")[0]
            for a in stmt.names
        }
    if isinstance(stmt, ast.ImportFrom):
        module = stmt.module if not stmt.level else ""
        return {a.asname or a.name: f"{module}.{a.name}" if module else "" for a in stmt.names}
    if isinstance(stmt, _DEFINITIONS):
        return {stmt.name: ""}
    return dict.fromkeys(binds(stmt), "")


def base_names() -> Known:
    """Names every module has before its first statement: the builtins and module dunders."""
    return {name: f"builtins.{name}" for name in dir(builtins)} | dict.fromkeys(
        ("__name__", "__file__", "__doc__"), ""
    )


def filter_module(text: str, name: str) -> FilteredModule:
    """``text`` with every top-level statement that would not run turned into a comment.

    Line numbers stay as they were, so tracebacks point at the student's
    lines. A dropped statement sharing its line with a kept one
    (``import numpy as np; np.random.seed(0)``) becomes ``pass`` in place.
    Text that does not parse is returned as it is: loading reports the
    syntax error.
    """
    try:
        tree = ast.parse(text)
    except _SYNTAX_ERRORS:
        return FilteredModule(text)
    known = base_names()
    # Split as the parser counts lines (only \n ends one), so line numbers match.
    lines = re.findall(r"[^\n]*\n|[^\n]+$", text)
    statements_on = Counter(
        line for stmt in tree.body for line in range(stmt.lineno, _last_line(stmt) + 1)
    )
    result = FilteredModule(text)
    in_place: list[ast.stmt] = []
    for stmt in tree.body:
        if keeps(stmt, known) or is_silent(stmt):
            known |= known_names(stmt)
            continue
        result.dropped.append(Dropped(short_form(stmt), f"{name}:{stmt.lineno}", binds(stmt)))
        span = range(stmt.lineno, _last_line(stmt) + 1)
        if stmt.lineno == _last_line(stmt) and statements_on[stmt.lineno] > 1:
            in_place.append(stmt)
            continue
        for index in (n - 1 for n in span if n <= len(lines)):
            lines[index] = NOT_RUN_NOTE + lines[index] if lines[index].strip() else lines[index]
    for stmt in sorted(in_place, key=lambda s: s.col_offset, reverse=True):
        raw = lines[stmt.lineno - 1].encode("utf-8")  # AST offsets count UTF-8 bytes
        end = stmt.end_col_offset if stmt.end_col_offset is not None else len(raw)
        lines[stmt.lineno - 1] = (raw[: stmt.col_offset] + b"pass" + raw[end:]).decode("utf-8")
    if result.dropped:
        result.text = "".join(lines)
    return result


def _last_line(stmt: ast.stmt) -> int:
    return stmt.end_lineno or stmt.lineno
