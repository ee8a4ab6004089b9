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
import hashlib
import importlib
import importlib.util
import inspect
import itertools
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from autograder.course.paths import PACKAGE_DIR, course
from autograder.course.table import course_table
from autograder.grading.failures import describe_failure
from autograder.grading.results import TestOutcome
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
    names = sorted(course_table().functions.get(exercise, ()), key=len, reverse=True)
    return next((n for n in names if rest == n or rest.startswith(n + "_")), None)


def public_cases(exercises: Iterable[str]) -> list[PublicCase]:
    """Every public case of ``exercises``, in file order.

    Raises:
        ValueError: a public test whose name names no function of its exercise,
            or that asks for a fixture other than ``student``.
    """
    cases: list[PublicCase] = []
    for exercise in exercises:
        module = public_module(exercise)
        if module is None:
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


def public_module(exercise: str) -> ModuleType | None:
    """The public test module the course table names for ``exercise``, or None if there is none.

    The package's own public tests are imported as ``autograder.public.<name>``;
    those of a course elsewhere (``$CONVGRADE_COURSE``) are loaded from their file.
    """
    entry = course_table().get(exercise)
    if entry is None or entry.public is None:
        return None
    path, stem = course().public / entry.public, entry.public.removesuffix(".py")
    if not path.is_file():
        return None
    if path.parent.resolve() == (PACKAGE_DIR / "public").resolve():
        return importlib.import_module(f"{PUBLIC_PACKAGE}.{stem}")
    # One module per file: two courses in one process never share a public test module.
    name = f"convgrade_public_{hashlib.sha256(str(path).encode()).hexdigest()[:12]}_{stem}"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None  # a .py file always has both
        module = sys.modules[name] = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
    return sys.modules[name]


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
    return named in ("", UNSTARTED, function) or named not in course_table().all_functions


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
    table = course_table()
    if name in table.names:
        return name
    if (exercise := table.exercise_of(name)) is not None:
        return exercise
    known = [*table.names, *table.all_functions]
    close = difflib.get_close_matches(str(name), known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ValueError(f"no exercise or function is called {name!r}{hint}")


def cases_for(name: str) -> list[PublicCase]:
    """The public cases of one function (``"conv_forward"``) or exercise (``"pooling"``)."""
    cases = public_cases([exercise_of(name)])
    return cases if name in course_table().names else [c for c in cases if c.function == name]
