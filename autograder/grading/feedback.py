"""What a failing hidden test tells the student: the case, expected, got and a hint.

Every value a student returns is first converted to a built-in form and
checked (type, dtype, shape, finiteness) by one of the ``as_*`` helpers, and
only then compared with ``expect_close`` or ``expect_equal``. Nothing the
student made is ever asked whether it equals anything, so an object whose
``__eq__`` always says yes cannot pass.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

# A diagnosis: given the student's (validated) answer, the misconception code that explains it.
Diagnose = Callable[[Any], "str | None"]
_MAX_NESTING = 8
_PLAIN = (int, float, str, bool, tuple, list, dict, type(None))
# Inputs up to this many values are printed in full with a failing case.
INPUT_SHOWN_UP_TO = 50
# Inputs laid out as a filter bank (f_h, f_w, C_prev, C) rather than a batch of images.
KERNEL_INPUTS = frozenset({"W"})


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


# ---------------------------------------------------------------- validating student values


def as_array(
    value: Any, *, name: str, shape: tuple[int, ...] | None = None, ndim: int | None = None
) -> np.ndarray:
    """A finite float64 copy of a student's array (or nested list of numbers).

    Raises:
        Mismatch: saying what is wrong when the value is not such an array, or
            has another ``ndim`` or ``shape`` than the one given.
    """
    if type(value) is list:
        if not _numbers_only(value, 0):
            raise Mismatch(f"{name} must return a NumPy array of numbers", got=_short(value))
        try:
            value = np.array(value, dtype=np.float64)
        except ValueError as exc:  # ragged nesting
            raise Mismatch(f"{name} must return a rectangular array", got=_short(value)) from exc
    if type(value) is not np.ndarray:
        raise Mismatch(
            f"{name} must return a NumPy array", got=_described(value)
        )
    if value.dtype.kind not in "iuf":
        raise Mismatch(f"{name} must return an array of real numbers", got=f"dtype {value.dtype}")
    array = np.array(value, dtype=np.float64)  # a copy: later changes to `value` cannot matter
    if ndim is not None and array.ndim != ndim:
        raise Mismatch(
            f"{name} must return a {ndim}-D array", got=f"{array.ndim}-D, shape {array.shape}"
        )
    if shape is not None and array.shape != tuple(shape):
        raise Mismatch(
            f"{name} returned an array of the wrong shape",
            expected=f"shape {tuple(shape)}",
            got=f"shape {array.shape}",
        )
    if not np.all(np.isfinite(array)):
        raise Mismatch(f"{name} returned NaN or infinite values", got=show_array(array))
    return array


def as_float(value: Any, *, name: str) -> float:
    """A finite float from a number or a one-element numeric array."""
    if type(value) in (int, float):
        number = float(value)
    elif type(value) is np.ndarray and value.size == 1 and value.dtype.kind in "iuf":
        number = float(value.reshape(()))
    else:
        raise Mismatch(f"{name} must return a number", got=_described(value))
    if not np.isfinite(number):
        raise Mismatch(f"{name} returned {number}")
    return number


def as_int(value: Any, *, name: str) -> int:
    """A Python int from a student's value.

    Sizes and counts are whole numbers, so a float is refused even when it is
    whole (``26.0`` usually means ``/`` was used where ``//`` belongs, which
    gives wrong answers elsewhere); ``True`` is refused too.
    """
    if type(value) is int:
        return value
    message = f"{name} must return an int"
    if type(value) is float:
        message += " (use // for whole-number division, or int(...))"
    raise Mismatch(message, got=_described(value))


def as_shape(value: Any, *, name: str, length: int | None = None) -> tuple[int, ...]:
    """A tuple of ints from a student's tuple or list, optionally of a given length."""
    if type(value) not in (tuple, list) or not all(type(v) is int for v in value):
        raise Mismatch(f"{name} must return a tuple of ints", got=_short(value))
    if length is not None and len(value) != length:
        raise Mismatch(
            f"{name} must return a tuple of {length} ints",
            got=f"{len(value)} values: {_short(value)}",
        )
    return tuple(value)


def as_summary(value: Any, *, name: str, length: int) -> list[tuple[tuple[int, ...], int]]:
    """A list of ``(shape, params)`` rows, one per layer, from a student's summary."""
    if type(value) is not list or len(value) != length:
        raise Mismatch(
            f"{name} must return a list with one (shape, params) pair per layer",
            expected=f"a list of {length} pairs",
            got=_described(value),
        )
    rows = []
    for index, row in enumerate(value, start=1):
        if type(row) not in (tuple, list) or len(row) != 2:
            raise Mismatch(f"row {index} of {name} must be a (shape, params) pair", got=_short(row))
        shape = as_shape(row[0], name=f"{name} row {index} shape")
        rows.append((shape, as_int(row[1], name=f"{name} row {index} params")))
    return rows


def _numbers_only(value: Any, depth: int) -> bool:
    if type(value) in (int, float):
        return True
    if type(value) is list and depth < _MAX_NESTING:
        return all(_numbers_only(v, depth + 1) for v in value)
    return False


# ---------------------------------------------------------------- comparing and showing


def expect_close(
    got: Any,
    expected: np.ndarray,
    *,
    case: str,
    what: str = "the result",
    rtol: float = 1e-6,
    atol: float = 1e-6,
    diagnose: Diagnose | None = None,
    inputs: Mapping[str, np.ndarray] | None = None,
) -> None:
    """Raise a Mismatch unless ``got`` has ``expected``'s shape and values (within tolerance).

    ``got`` is validated with :func:`as_array` first. When the arrays differ,
    ``diagnose(got)`` may name the misconception that explains the answer;
    its hint is then part of the feedback. Small ``inputs`` are shown in full
    so the student can redo the case by hand.
    """
    got = as_array(got, name=what)
    expected = np.asarray(expected, dtype=np.float64)
    if got.shape == expected.shape and np.allclose(got, expected, rtol=rtol, atol=atol):
        return
    if got.shape != expected.shape:
        message = f"{what} returned shape {got.shape}, expected {expected.shape}"
    else:
        wrong = int(np.sum(~np.isclose(got, expected, rtol=rtol, atol=atol)))
        message = f"{what} is wrong at {wrong} of {expected.size} positions"
    failure = _diagnosed(
        message, case, show_array(expected), show_array(got), got, diagnose, function=what
    )
    for name, array in (inputs or {}).items():
        if np.size(array) <= INPUT_SHOWN_UP_TO:
            shown = show_array(np.asarray(array), kernel=name in KERNEL_INPUTS)
            failure.diff.append(f"Input {name}: {shown}")
    raise failure


def expect_equal(got: Any, expected: Any, *, case: str, what: str = "the result",
                 diagnose: Diagnose | None = None) -> None:
    """Raise a Mismatch unless a validated int or tuple of ints equals ``expected``.

    ``got`` must already be a built-in value from ``as_int`` / ``as_shape``.
    """
    if type(got) not in (int, tuple):
        raise TypeError("expect_equal compares validated ints and tuples only")
    if type(got) is type(expected) and got == expected:
        return
    raise _diagnosed(
        f"{what} is wrong", case, repr(expected), repr(got), got, diagnose, function=what
    )


def compare(got: Any, expected: Any, *, what: str, case: str, candidates: Any = None) -> None:
    """Raise a diagnosed Mismatch unless a validated ``got`` matches ``expected``.

    ``candidates`` maps misconception codes to what each mistake would return
    (or is a function building that table lazily), as for
    :func:`autograder.grading.misconceptions.diagnose`.
    """
    from autograder.grading.misconceptions import diagnose, same_value

    def explain(value: Any) -> str | None:
        if candidates is None:
            return None
        table = candidates() if callable(candidates) else candidates
        return diagnose(value, table, expected=expected)

    if isinstance(expected, np.ndarray) or isinstance(got, np.ndarray):
        expect_close(got, expected, case=case, what=what, diagnose=explain)
    elif not same_value(got, expected):
        raise _diagnosed(
            f"{what} is wrong", case, show(expected), show(got), got, explain, function=what
        )


def _diagnosed(
    message: str,
    case: str,
    expected: str,
    got_text: str,
    got: Any,
    diagnose: Diagnose | None,
    *,
    function: str | None = None,
) -> Mismatch:
    from autograder.grading.misconceptions import HINTS

    code = diagnose(got) if diagnose is not None else None
    return Mismatch(
        message,
        case=case,
        expected=expected,
        got=got_text,
        misconception=code,
        hint=HINTS.get(code) if code else None,
        function=function,
    )


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
    return _short(value)


def _described(value: Any) -> str:
    """The type and value of a built-in; only the type of anything else."""
    return f"{_type_name(value)} {_short(value)}" if type(value) in _PLAIN else _short(value)


def _type_name(value: Any) -> str:
    return type(value).__name__


def _short(value: Any, limit: int = 80) -> str:
    # Only built-in values are shown with repr: a student's own class could say anything.
    text = repr(value) if type(value) in _PLAIN else f"<{_type_name(value)}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."
