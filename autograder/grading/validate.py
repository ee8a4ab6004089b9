"""Validating student values: each is turned into a checked built-in form before comparison.

Every value a student returns is first converted to a built-in form and
checked (type, dtype, shape, finiteness) by one of the ``as_*`` functions, and
only then compared (:mod:`autograder.grading.expect`). Nothing the student made
is ever asked whether it equals anything, so an object whose ``__eq__`` always
says yes cannot pass.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.grading.feedback import Mismatch, described, short, show_array

_MAX_NESTING = 8


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
            raise Mismatch(f"{name} must return a NumPy array of numbers", got=short(value))
        try:
            value = np.array(value, dtype=np.float64)
        except ValueError as exc:  # ragged nesting
            raise Mismatch(f"{name} must return a rectangular array", got=short(value)) from exc
    if type(value) is not np.ndarray:
        raise Mismatch(
            f"{name} must return a NumPy array", got=described(value)
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
        raise Mismatch(f"{name} must return a number", got=described(value))
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
    raise Mismatch(message, got=described(value))


def as_shape(value: Any, *, name: str, length: int | None = None) -> tuple[int, ...]:
    """A tuple of ints from a student's tuple or list, optionally of a given length."""
    if type(value) not in (tuple, list) or not all(type(v) is int for v in value):
        raise Mismatch(f"{name} must return a tuple of ints", got=short(value))
    if length is not None and len(value) != length:
        raise Mismatch(
            f"{name} must return a tuple of {length} ints",
            got=f"{len(value)} values: {short(value)}",
        )
    return tuple(value)


def as_summary(value: Any, *, name: str, length: int) -> list[tuple[tuple[int, ...], int]]:
    """A list of ``(shape, params)`` rows, one per layer, from a student's summary."""
    if type(value) is not list or len(value) != length:
        raise Mismatch(
            f"{name} must return a list with one (shape, params) pair per layer",
            expected=f"a list of {length} pairs",
            got=described(value),
        )
    rows = []
    for index, row in enumerate(value, start=1):
        if type(row) not in (tuple, list) or len(row) != 2:
            raise Mismatch(f"row {index} of {name} must be a (shape, params) pair", got=short(row))
        shape = as_shape(row[0], name=f"{name} row {index} shape")
        rows.append((shape, as_int(row[1], name=f"{name} row {index} params")))
    return rows


def _numbers_only(value: Any, depth: int) -> bool:
    if type(value) in (int, float):
        return True
    if type(value) is list and depth < _MAX_NESTING:
        return all(_numbers_only(v, depth + 1) for v in value)
    return False
