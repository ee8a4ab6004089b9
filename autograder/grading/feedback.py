"""What a failing hidden test tells the student: the case, expected, got and a hint.

A grader raises :class:`Mismatch` (or :class:`FollowsFrom`) with the values
already rendered as text by :func:`show` or :func:`show_array`; only built-in
values are ever shown with their ``repr``. Student values are validated by
:mod:`autograder.grading.validate` and compared by :mod:`autograder.grading.expect`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_PLAIN = (int, float, str, bool, tuple, list, dict, type(None))


class Mismatch(AssertionError):
    """A student's answer differs from the reference on a concrete case.

    Hidden graders raise this instead of a bare ``assert`` so the result can
    show the small input, what was expected, what came back and, when a known
    mistake explains the answer, the misconception code and its hint.
    """

    def __init__(
        self,
        message: str,
        *,
        case: str | None = None,
        expected: str | None = None,
        got: str | None = None,
        misconception: str | None = None,
        hint: str | None = None,
        diff: list[str] | None = None,
        function: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.case = case
        self.expected = expected
        self.got = got
        self.misconception = misconception
        self.hint = hint
        self.diff = list(diff or [])
        # The student function whose answer this is: diagnoses are confirmed per function.
        self.function = function

    def details(self) -> dict[str, Any]:
        """The structured form stored in the result file."""
        fields = {
            "message": self.message,
            "case": self.case,
            "expected": self.expected,
            "got": self.got,
            "misconception": self.misconception,
            "hint": self.hint,
            "function": self.function,
        }
        data: dict[str, Any] = {k: v for k, v in fields.items() if v is not None}
        if self.diff:
            data["diff"] = self.diff
        return data

    def render(self) -> str:
        """Plain-text feedback, the ``output`` of a Gradescope test."""
        lines = [self.message]
        if self.case is not None:
            lines.append(f"Input: {self.case}")
        if self.expected is not None:
            lines.append(f"Expected: {self.expected}")
        if self.got is not None:
            lines.append(f"Got: {self.got}")
        lines.extend(self.diff)
        if self.hint is not None:
            lines.append(
                f"Hint ({self.misconception}): {self.hint}"
                if self.misconception
                else f"Hint: {self.hint}"
            )
        return "\n".join(lines)


class FollowsFrom(Mismatch):
    """A failure that follows from a difference another test already charged.

    It is shown (with "Follows from ...") but costs no points: one mistake, one
    charge. ``cause`` is the stable id of the test that charged it.
    """

    def __init__(self, cause: str, cause_label: str, message: str, **fields: Any) -> None:
        super().__init__(f"Follows from {cause_label}: {message}", **fields)
        self.cause = cause


# ---------------------------------------------------------------- showing values


def show_array(array: np.ndarray, max_elems: int = 48, *, kernel: bool = False) -> str:
    """A short, readable rendering of an array: its shape, then its values (elided if many).

    A 4-D batch ``(m, H, W, C)`` is shown as one ``H x W`` grid per example and
    channel, the way the lectures draw feature maps. With ``kernel`` a 4-D array
    is a filter bank ``(f_h, f_w, C_prev, C)``, shown as one ``f_h x f_w`` grid
    per filter and input channel.
    """
    array = np.asarray(array)
    if array.ndim == 0:
        return _grid(array, max_elems)
    head = f"array of shape {array.shape}"
    if array.ndim != 4 or array.size == 0:
        return f"{head}: {_grid(array, max_elems)}"
    if kernel:  # (f_h, f_w, C_prev, C) -> one grid per (filter, input channel)
        grids = array.transpose(3, 2, 0, 1)
        label = "filter {0}, input channel {1}"
    else:  # (m, H, W, C) -> one grid per (example, channel)
        grids = array.transpose(0, 3, 1, 2)
        label = "example {0}, channel {1}"
    lines, shown = [head + ":"], 0
    for outer in range(grids.shape[0]):
        for inner in range(grids.shape[1]):
            grid = grids[outer, inner]
            if shown and (shown + grid.size > max_elems or len(lines) > 6):
                lines.append("  ...")
                return "\n".join(lines)
            shown += grid.size
            text = _grid(grid, max_elems).replace("\n", "\n    ")
            lines.append(f"  [{label.format(outer, inner)}]\n    {text}")
    return "\n".join(lines)


def _grid(array: np.ndarray, max_elems: int) -> str:
    return np.array2string(
        array, precision=3, suppress_small=True, threshold=max_elems, edgeitems=2,
        max_line_width=90,
    )


def show(value: Any) -> str:
    """A short, readable rendering of any value for feedback."""
    if isinstance(value, np.ndarray):
        return show_array(value)
    return short(value)


def described(value: Any) -> str:
    """The type and value of a built-in; only the type of anything else."""
    return f"{_type_name(value)} {short(value)}" if type(value) in _PLAIN else short(value)


def _type_name(value: Any) -> str:
    return type(value).__name__


def short(value: Any, limit: int = 80) -> str:
    """``repr`` of a built-in value, cut to ``limit``; only the type of anything else.

    A student's own class could say anything in its ``repr``, so it is never called.
    """
    text = repr(value) if type(value) in _PLAIN else f"<{_type_name(value)}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."
