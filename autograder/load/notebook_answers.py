"""``QUIZ_ANSWERS`` in a notebook, read as literals across cells without running anything.

Arithmetic on numbers is allowed (``28 * 28 * 3``) with bounded sizes; any
other expression, or a value nested too deeply, is a message for that answer
and never stops the notebook from loading.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from autograder.load.literals import literal_value

ANSWERS_NAME = "QUIZ_ANSWERS"


class AnswerCells:
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

    def reads(self, stmt: ast.stmt) -> bool:
        """Whether ``stmt`` assigns quiz answers (read here, so never reported as dropped)."""
        targets = stmt.targets if isinstance(stmt, ast.Assign) else []
        if isinstance(stmt, ast.AnnAssign):
            targets = [stmt.target]
        return any(
            (isinstance(t, ast.Name) and t.id == ANSWERS_NAME)
            or (isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name)
                and t.value.id == ANSWERS_NAME)
            for t in targets
        )

    def read(self) -> tuple[dict[str, object] | None, list[str]]:
        """The answers (None when the notebook sets none) and messages; nothing is executed."""
        if self.whole is None and not self.items:
            return None, []
        errors: list[str] = []
        answers: dict[str, object] = {}
        if self.whole is not None:
            number, node = self.whole
            where = f"{ANSWERS_NAME} (cell {number})"
            value = _value(node)
            if isinstance(value, _Unreadable):
                errors.append(
                    f"{where} must be written out as a plain dict of literal values, "
                    f'such as {{"conv_advantages": "a"}}; it was not read ({value.reason})'
                )
            elif not isinstance(value, dict):
                errors.append(f"{where} must be a dict, not a {type(value).__name__}")
            else:
                bad = [key for key in value if not isinstance(key, str)]
                if bad:
                    errors.append(
                        f"{where} keys must be question ids in quotes; "
                        f"ignored {', '.join(map(repr, bad))}"
                    )
                answers = {k: v for k, v in value.items() if isinstance(k, str)}
        for number, key, node in self.items:
            k = _value(key)
            if not isinstance(k, str):
                errors.append(
                    f"{ANSWERS_NAME}[...] in cell {number} needs a question id in quotes"
                )
            elif isinstance(value := _value(node), _Unreadable):
                errors.append(
                    f"{ANSWERS_NAME}[{k!r}] in cell {number} must be a literal value "
                    "(a letter, a list of letters, a number or a shape string); "
                    f"it was not read ({value.reason})"
                )
            else:
                answers[k] = value
        return answers, errors


@dataclass(frozen=True)
class _Unreadable:
    reason: str


def _value(node: ast.expr) -> object:
    """The literal value of ``node``, or why it cannot be read; never raises."""
    try:
        return literal_value(node)
    except ValueError as exc:
        return _Unreadable(str(exc))
    except (RecursionError, MemoryError):
        return _Unreadable("it is nested too deeply")
