"""Small helpers the hidden graders share: the course's cases, readable inputs, checks.

Random cases are drawn from a per-course secret seed (``quizzes/secret.toml``,
kept with the answer keys and never shipped) and the test's own name, never
from the submission: identical code gets identical cases, so identical scores,
and a student cannot compute the hidden cases from the released material.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from autograder.course.paths import course
from autograder.grading.feedback import Mismatch
from autograder.grading.misconceptions import Fallback, matching_codes, same_value
from autograder.sandbox.proxy import Proxy, StudentRaised

if TYPE_CHECKING:  # the public tests import this module; a student's check never loads pytest
    import pytest

SECRET_FILE = "secret.toml"
# Used only when a course has no secret file: the cases are then the same for every
# student but could be recomputed by anyone who has convgrade.
PUBLIC_SEED = "convgrade-course-without-secret"


def course_seed(quizzes: Path | None = None) -> str:
    """The course's secret seed, from ``seed`` in ``quizzes/secret.toml``."""
    return _read_seed((quizzes or course().quizzes) / SECRET_FILE)


@functools.cache
def _read_seed(path: Path) -> str:
    try:
        seed = tomllib.loads(path.read_text(encoding="utf-8")).get("seed")
    except (OSError, tomllib.TOMLDecodeError):
        return PUBLIC_SEED
    return str(seed) if seed else PUBLIC_SEED


def case_rng(*parts: Any, seed: str | None = None) -> np.random.Generator:
    """A generator fixed by the course seed and a case's name (the same for every student)."""
    from autograder.grading.plugin import stable_seed  # pytest comes with it: hidden tests only

    return np.random.default_rng(stable_seed(seed or course_seed(), repr(parts)))


def course_rng(request: pytest.FixtureRequest) -> np.random.Generator:
    """The random cases of one hidden test (pass its ``request``): the course's, for everyone."""
    return case_rng(Path(str(request.node.path)).stem, request.node.name)


def small_ints(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Small whole numbers as float64: easy to read in feedback, exact to compare."""
    return rng.integers(-3, 4, size=shape).astype(np.float64)


def small_values(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Small numbers with two decimals and no ties: an integer cast or a swapped mode shows."""
    return small_ints(rng, shape) + np.round(rng.uniform(0.05, 0.95, size=shape), 2)


def fixed_rng(*parts: Any) -> np.random.Generator:
    """A generator fixed by a case's description (the same for every submission)."""
    from autograder.grading.plugin import (
        stable_seed,  # here, so the public tests never import pytest
    )

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


def second_question(
    student: Proxy,
    module: str,
    function: str,
    calls: list[tuple[tuple, dict[str, Any]]],
    expected: Callable[..., Any],
    variants: Callable[..., list],
    validate: Callable[[Any], Any],
) -> Callable[[], set[str]]:
    """More calls that tell apart mistakes giving the same wrong answer.

    ``calls`` are ``(args, kwargs)`` chosen so the candidate mistakes disagree;
    the returned function asks each and gives the codes whose prediction is the
    student's answer every time (a mistake that changes nothing on an input
    stays possible when the answer to it is right).
    """

    def consistent(args: tuple, kwargs: dict[str, Any]) -> set[str]:
        got = validate(student.call(module, function, *args, **kwargs))
        table = variants(*args, **kwargs)
        codes = set(matching_codes(got, table))
        if same_value(got, expected(*args, **kwargs)):
            codes |= {code for code, value in table if same_value(_plain(value), got)}
        return codes

    def ask() -> set[str]:
        found: set[str] | None = None
        for args, kwargs in calls:
            codes = consistent(args, kwargs)
            found = codes if found is None else found & codes
            if not found:
                break
        return found or set()

    return ask


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Fallback) else value


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
