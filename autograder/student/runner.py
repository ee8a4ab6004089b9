"""Run the public tests in this process, without starting a pytest session.

The public tests are ordinary pytest modules (Gradescope runs them through
pytest), but a student's check must answer at once, also from inside a
Jupyter kernel, where a pytest session would re-import the test modules, take
over ``sys.stdout`` and cost most of the time. So this module reads the few
pytest features the public tests use (``parametrize`` with ``ids`` and the
``student`` fixture) and calls the test functions directly; the modules take
their marks from ``autograder.student.marks``, so pytest is not even imported.

A public test checks one student function, named by the test:
``test_<function>_<what>``. The first case that finds a function unstarted
(``NotImplementedError``, its own or a helper's) or missing settles that
function's other cases too, without calling it again.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from autograder.grading.failures import describe_failure
from autograder.grading.results import TestOutcome
from autograder.load.submission import EXPECTED_FUNCTIONS
from autograder.sandbox.proxy import MissingCode, Proxy, StudentError, StudentRaised

PUBLIC_PACKAGE = "autograder.public"
UNSTARTED = "NotImplementedError"


@dataclass(frozen=True)
class PublicCase:
    """One call of one public test: which function it checks and with which arguments."""

    exercise: str
    function: str
    test: Callable[..., Any]
    arguments: dict[str, Any] = field(default_factory=dict)
    case_id: str | None = None

    @property
    def name(self) -> str:
        """The label students read: the test's docstring summary, and its case."""
        doc = (self.test.__doc__ or "").strip()
        summary = doc.splitlines()[0].rstrip(".") if doc else self.test.__name__
        return f"{summary} [{self.case_id}]" if self.case_id else summary

    @property
    def id(self) -> str:
        """``<exercise>.<test without test_>[<case>]``, as the pytest plugin names it."""
        base = f"{self.exercise}.{self.test.__name__.removeprefix('test_')}"
        return f"{base}[{self.case_id}]" if self.case_id else base


def function_of(test_name: str, exercise: str) -> str | None:
    """The student function a public test checks: the longest one its name starts with."""
    rest = test_name.removeprefix("test_")
    names = sorted(EXPECTED_FUNCTIONS.get(exercise, ()), key=len, reverse=True)
    return next((n for n in names if rest == n or rest.startswith(n + "_")), None)


def public_cases(exercises: Iterable[str]) -> list[PublicCase]:
    """Every public case of ``exercises``, in file order.

    Raises:
        ValueError: a public test whose name names no function of its exercise,
            or that asks for a fixture other than ``student``.
    """
    cases: list[PublicCase] = []
    for exercise in exercises:
        try:
            module = importlib.import_module(f"{PUBLIC_PACKAGE}.test_public_{exercise}")
        except ModuleNotFoundError:
            continue  # an exercise without public tests
        tests = [v for k, v in vars(module).items() if k.startswith("test_") and callable(v)]
        for test in tests:
            function = function_of(test.__name__, exercise)
            if function is None:
                raise ValueError(f"public test {test.__name__} names no function of {exercise}")
            for case_id, arguments in _parametrized(test):
                unknown = set(inspect.signature(test).parameters) - {"student", *arguments}
                if unknown:
                    raise ValueError(f"public test {test.__name__} needs fixtures {unknown}")
                cases.append(PublicCase(exercise, function, test, arguments, case_id))
    return cases


def _parametrized(test: Callable[..., Any]) -> list[tuple[str | None, dict[str, Any]]]:
    """``(case id, arguments)`` per case of a test's ``parametrize`` marks (one case if none)."""
    marks = [m for m in getattr(test, "pytestmark", []) if m.name == "parametrize"]
    if not marks:
        return [(None, {})]
    axes = []
    for mark in reversed(marks):  # pytest applies the decorator nearest the function first
        names, values = mark.args[0], mark.args[1]
        names = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
        ids = mark.kwargs.get("ids")
        axis = []
        for index, value in enumerate(values):
            value = getattr(value, "values", value)  # a pytest.param
            row = value if len(names) > 1 else (value,)
            label = ids[index] if ids else f"{names[0]}{index}"
            axis.append((str(label), dict(zip(names, row, strict=True))))
        axes.append(axis)
    return [
        ("-".join(label for label, _ in combo), {k: v for _, a in combo for k, v in a.items()})
        for combo in itertools.product(*axes)
    ]


def run_cases(proxy: Proxy, cases: Sequence[PublicCase]) -> list[TestOutcome]:
    """Run ``cases`` against ``proxy``; one outcome per case, worth no points."""
    settled: dict[str, StudentError] = {}
    outcomes = []
    for case in cases:
        outcome = TestOutcome(case.name, case.exercise, 0.0, 0.0, "passed", id=case.id)
        outcome.details["function"] = case.function
        error: BaseException | None = settled.get(case.function)
        if error is None:
            try:
                case.test(student=proxy, **case.arguments)
            except Exception as exc:  # Ctrl-C still stops the check
                error = exc
                if _settles(exc):
                    settled[case.function] = exc
        if error is not None:
            outcome.status = "failed"
            describe_failure(outcome, error)
            outcome.details["function"] = case.function
            if _unstarted(error, case.function):
                outcome.details["not_started"] = True
        outcomes.append(outcome)
    return outcomes


def _unstarted(exc: BaseException, function: str) -> bool:
    """The function's own stub raised: not a helper stub it calls (that is a failure to fix)."""
    if not (isinstance(exc, StudentRaised) and exc.exc_type == UNSTARTED):
        return False
    named = exc.message.removeprefix(f"{UNSTARTED}: ").split(" ", 1)[0]
    return named in ("", UNSTARTED, function) or named not in _ALL_FUNCTIONS


_ALL_FUNCTIONS = frozenset(f for functions in EXPECTED_FUNCTIONS.values() for f in functions)


def _settles(exc: BaseException) -> bool:
    """Whether one failure speaks for every case of the function: unstarted or missing."""
    unstarted = isinstance(exc, StudentRaised) and exc.exc_type == UNSTARTED
    return unstarted or isinstance(exc, MissingCode)


def run_public(proxy: Proxy, exercises: Iterable[str]) -> list[TestOutcome]:
    """The public tests of ``exercises`` against ``proxy``."""
    return run_cases(proxy, public_cases(exercises))


def exercise_of(name: str) -> str:
    """The exercise that a function or exercise ``name`` belongs to.

    Raises:
        ValueError: ``name`` is neither; the message suggests the closest name.
    """
    if name in EXPECTED_FUNCTIONS:
        return name
    for exercise, functions in EXPECTED_FUNCTIONS.items():
        if name in functions:
            return exercise
    known = [*EXPECTED_FUNCTIONS, *(f for fs in EXPECTED_FUNCTIONS.values() for f in fs)]
    close = difflib.get_close_matches(str(name), known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ValueError(f"no exercise or function is called {name!r}{hint}")


def cases_for(name: str) -> list[PublicCase]:
    """The public cases of one function (``"conv_forward"``) or exercise (``"pooling"``)."""
    cases = public_cases([exercise_of(name)])
    return cases if name in EXPECTED_FUNCTIONS else [c for c in cases if c.function == name]
