"""Comparing a validated student value with the reference, and diagnosing the difference.

A difference raises :class:`~autograder.grading.feedback.Mismatch` with the
case, both values and, when a known mistake explains the answer, the
misconception code and its hint.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from autograder.grading.feedback import Mismatch, show, show_array
from autograder.grading.validate import as_array

# A diagnosis: given the student's (validated) answer, the misconception code that explains it.
Diagnose = Callable[[Any], "str | None"]
# Inputs up to this many values are printed in full with a failing case.
INPUT_SHOWN_UP_TO = 50
# Inputs laid out as a filter bank (f_h, f_w, C_prev, C) rather than a batch of images.
KERNEL_INPUTS = frozenset({"W"})


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
