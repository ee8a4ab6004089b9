"""What a failing hidden test tells the student: the case, expected, got and a hint."""

from __future__ import annotations

from typing import Any

import numpy as np


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
    ) -> None:
        super().__init__(message)
        self.message = message
        self.case = case
        self.expected = expected
        self.got = got
        self.misconception = misconception
        self.hint = hint
        self.diff = list(diff or [])

    def details(self) -> dict[str, Any]:
        """The structured form stored in the result file."""
        fields = {
            "message": self.message,
            "case": self.case,
            "expected": self.expected,
            "got": self.got,
            "misconception": self.misconception,
            "hint": self.hint,
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


# ---------------------------------------------------------------- validating student values
#
# A student's value is converted to a known built-in form and checked before any
# comparison, so nothing the student made is ever asked whether it equals anything.


def as_array(value: Any, *, name: str) -> np.ndarray:
    """A finite float64 array from a student's value, or a Mismatch saying what is wrong."""
    if type(value) is list:
        try:
            value = np.array(value, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise Mismatch(f"{name} must return a NumPy array of numbers") from exc
    if type(value) is not np.ndarray:
        raise Mismatch(f"{name} must return a NumPy array", got=_type_name(value))
    if value.dtype.kind not in "biuf":
        raise Mismatch(f"{name} must return an array of real numbers", got=f"dtype {value.dtype}")
    array = value.astype(np.float64)
    if not np.all(np.isfinite(array)):
        raise Mismatch(f"{name} returned NaN or infinite values", got=show(array))
    return array


def as_float(value: Any, *, name: str) -> float:
    """A finite float from a number or a one-element array."""
    if type(value) in (int, float):
        number = float(value)
    elif type(value) is np.ndarray and value.size == 1 and value.dtype.kind in "biuf":
        number = float(value.reshape(()))
    else:
        raise Mismatch(f"{name} must return a number", got=f"{_type_name(value)} {_short(value)}")
    if not np.isfinite(number):
        raise Mismatch(f"{name} returned {number}")
    return number


def as_int(value: Any, *, name: str) -> int:
    """A Python int from a student's value (a whole float is refused: the answer is a count)."""
    if type(value) is not int:
        raise Mismatch(f"{name} must return an int", got=f"{_type_name(value)} {_short(value)}")
    return value


def as_shape(value: Any, *, name: str) -> tuple[int, ...]:
    """A tuple of ints from a student's tuple or list."""
    if type(value) not in (tuple, list) or not all(type(v) is int for v in value):
        raise Mismatch(f"{name} must return a tuple of ints", got=_short(value))
    return tuple(value)


def show(value: Any) -> str:
    """A short, readable rendering of a value for feedback."""
    if isinstance(value, np.ndarray):
        text = np.array2string(
            value, precision=3, suppress_small=True, threshold=40, edgeitems=2, max_line_width=90
        )
        return f"array of shape {value.shape}: {text}" if value.size > 1 else text
    return _short(value)


def compare(got: Any, expected: Any, *, what: str, case: str, candidates: Any = None) -> None:
    """Raise a Mismatch, diagnosed when a known mistake explains it, unless got == expected."""
    from autograder.misconceptions import HINTS, diagnose, same_value

    if same_value(got, expected):
        return
    code = diagnose(got, expected, candidates) if candidates is not None else None
    shape_note = ""
    arrays = isinstance(expected, np.ndarray) and isinstance(got, np.ndarray)
    if arrays and got.shape != expected.shape:
        shape_note = f" (shape {got.shape}, expected {expected.shape})"
    raise Mismatch(
        f"{what} gave a different result{shape_note}",
        case=case,
        expected=show(expected),
        got=show(got),
        misconception=code,
        hint=HINTS.get(code) if code else None,
    )


def _type_name(value: Any) -> str:
    return type(value).__name__


def _short(value: Any, limit: int = 80) -> str:
    text = (
        repr(value)
        if type(value) in (int, float, str, bool, tuple, list, type(None))
        else (f"<{type(value).__name__}>")
    )
    return text if len(text) <= limit else text[: limit - 3] + "..."
