"""What the top-level rule dropped, as a student is told it, and why a name is then missing.

Each dropped statement is reported in a short form the student recognises
(``model.fit(...)``) with where it was written; a later ``NameError`` for a
name only a dropped statement bound is explained by pointing at it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autograder.grading.results import TestOutcome


@dataclass(frozen=True)
class Dropped:
    """A top-level statement that does not run when graded."""

    statement: str  # short form, e.g. "model.fit(...)"
    where: str  # "model.py:80" or "assignment.ipynb cell 7 line 2"
    binds: tuple[str, ...] = ()  # the names it would have defined

    def message(self) -> str:
        return f"`{self.statement}` at {self.where} will not run when graded"


def short_form(stmt: ast.stmt, limit: int = 60) -> str:
    """A statement as a student recognises it: ``model.fit(...)``, ``history = model.fit(...)``."""
    def call_form(node: ast.expr) -> str:
        if isinstance(node, ast.Call):
            return f"{_unparse(node.func)}(...)"
        return _unparse(node)

    if isinstance(stmt, ast.Expr):
        text = call_form(stmt.value)
    elif isinstance(stmt, ast.Assign):
        text = " = ".join([*map(_unparse, stmt.targets), call_form(stmt.value)])
    elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        text = f"{_unparse(stmt.target)} = {call_form(stmt.value)}"
    else:
        text = _unparse(stmt).splitlines()[0] if _unparse(stmt) else type(stmt).__name__
        if isinstance(stmt, ast.If | ast.For | ast.While | ast.With | ast.Try):
            text = text.rstrip(":") + ": ..."
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _unparse(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except (ValueError, RecursionError):
        return type(node).__name__


# A name looked up while running, or an exercise function the module lacks.
_NAME_ERROR = re.compile(
    r"NameError: name '(?P<name>\w+)' is not defined|has no function (?P<function>\w+)"
)


def explain_missing_name(output: str, dropped: Iterable[Dropped]) -> str | None:
    """Why a name in a ``NameError`` is missing, when a dropped statement would have bound it."""
    match = _NAME_ERROR.search(output)
    if not match:
        return None
    name = match.group("name") or match.group("function")
    for item in dropped:
        if name in item.binds:
            return (
                f"`{name}` is assigned at {item.where}, which does not run when graded; "
                "define it with `def` or inside your function"
            )
    return None


def explain_dropped_names(outcomes: Iterable[TestOutcome], dropped: Sequence[Dropped]) -> None:
    """Add to each failure caused by a name only a dropped statement defined, why it is missing."""
    if not dropped:
        return
    for outcome in outcomes:
        if outcome.status != "passed" and (why := explain_missing_name(outcome.output, dropped)):
            outcome.output = f"{outcome.output}\n{why}"
            outcome.details = {**outcome.details, "hint": why}
