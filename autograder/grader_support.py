"""Small helpers the hidden graders share: readable inputs and ValueError checks."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.feedback import Mismatch
from autograder.proxy import Proxy, StudentRaised


def small_ints(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Small whole numbers as float64: easy to read in feedback, exact to compare."""
    return rng.integers(-3, 4, size=shape).astype(np.float64)


def fixed_rng(*parts: Any) -> np.random.Generator:
    """A generator fixed by a case's description (the same for every submission)."""
    from autograder.plugin import stable_seed  # here, so the public tests never import pytest

    return np.random.default_rng(stable_seed(repr(parts)))


def describe_call(function: str, *args: Any, **kwargs: Any) -> str:
    """``function(...)`` with arrays shown by shape, for the "Input:" line of feedback."""
    shown = [_arg(a) for a in args] + [f"{k}={_arg(v)}" for k, v in kwargs.items()]
    return f"{function}({', '.join(shown)})"


def _arg(value: Any) -> str:
    if isinstance(value, np.ndarray):
        if value.size <= 9:
            return np.array2string(value, separator=", ").replace("\n", "")
        return f"<array of shape {value.shape}>"
    return repr(value)


def expect_value_error(student: Proxy, module: str, function: str, *args: Any, **kwargs: Any):
    """Pass when the student's function raises ValueError for these bad arguments."""
    case = describe_call(function, *args, **kwargs)
    try:
        value = student.call(module, function, *args, **kwargs)
    except StudentRaised as exc:
        if exc.exc_type == "ValueError":
            return
        raise Mismatch(
            f"{function} should raise ValueError for a bad argument",
            case=case,
            expected="ValueError naming the bad argument",
            got=f"{exc.exc_type}: {exc.args[0] if exc.args else ''}",
        ) from exc
    raise Mismatch(
        f"{function} should raise ValueError for a bad argument",
        case=case,
        expected="ValueError naming the bad argument",
        got=f"returned a {type(value).__name__}",
    )
