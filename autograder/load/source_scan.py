"""What a student's module defines, read from its syntax tree without running it."""

from __future__ import annotations

import ast


def definitions(text: str) -> tuple[set[str] | None, set[str]]:
    """Top-level names a module binds, and the functions still raising NotImplementedError."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None, set()
    defined: set[str] = set()
    unfinished: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            defined.add(node.name)
            if any(raises_not_implemented(stmt) for stmt in node.body):
                unfinished.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            defined.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.Assign):
            defined.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return defined, unfinished


def raises_not_implemented(stmt: ast.stmt) -> bool:
    """Whether ``stmt`` is ``raise NotImplementedError`` (with or without arguments)."""
    if not isinstance(stmt, ast.Raise) or stmt.exc is None:
        return False
    exc = stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc
    return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"


def started(text: str, prefix: str = "") -> bool:
    """True when a function ``prefix...`` in ``text`` does more than raise NotImplementedError."""
    defined, unfinished = definitions(text)
    if defined is None:
        return True  # a syntax error is worth reporting: the student has started
    return any(name.startswith(prefix) and name not in unfinished for name in defined)
