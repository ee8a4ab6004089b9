"""Run the hidden pytest graders against one submission and collect typed outcomes.

The graders are ordinary pytest modules under ``autograder/graders``. They get
the student's functions through the ``student`` fixture (a proxy that returns
plain data), the reference through ``reference``, a per-test random generator
seeded from the course's secret seed through ``rng`` (the same cases for every
student), and the run's settings through ``options``. What outlives one test
is held in typed objects, never in a dict with text keys: ``reference_models``
and ``datasets`` for the grader process, ``student_models`` for the
submission. Each test's points come from ``@pytest.mark.points(n)``. Outcomes
are read from pytest's report objects, never from terminal output.

A hidden test's id is ``<exercise>.<function>[<case>]``: its function name
(without ``test_``) and its parametrize id, both written out in the grader.
Points policies, adjustments and class statistics name a test by this id,
so renaming a test function is renaming the test; the docstring's first line
is only the label shown in reports and may be reworded freely.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np
import pytest

from autograder.course.paths import course
from autograder.grading.failures import describe_failure
from autograder.grading.feedback import FollowsFrom
from autograder.grading.keras.builds import ReferenceModels, StudentModels
from autograder.grading.keras.data import Datasets
from autograder.grading.options import GradingOptions
from autograder.grading.results import TestOutcome
from autograder.sandbox.proxy import CallTimeout, Proxy

if TYPE_CHECKING:
    from autograder.grading.keras.lab import ModelLab

GRADERS_DIR = course().graders  # course material, never shipped in the student wheel


@dataclass
class GraderState:
    """What a grader process keeps between submissions (reference models, data, training memo)."""

    reference: dict[str, ModuleType]
    options: GradingOptions = field(default_factory=GradingOptions)
    # The reference's models, described once per process (autograder.grading.keras.builds).
    reference_models: ReferenceModels = field(default_factory=ReferenceModels)
    # The training images, loaded once per process.
    datasets: Datasets = field(default_factory=Datasets)
    # Rebuilds and trains student models in a trusted sandbox child, with the training
    # memo (autograder.grading.keras.lab.ModelLab); None where no model is graded.
    models: ModelLab | None = None
    # time.monotonic() after which no further hidden test starts for this submission.
    deadline: float | None = None


def stable_seed(*parts: str) -> int:
    """A seed that depends only on its text parts (never on Python's hash salt)."""
    digest = hashlib.sha256("\0".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "little")


class GradingPlugin:
    """A pytest plugin bound to one submission: fixtures in, outcomes out."""

    def __init__(self, proxy: Proxy, submission_id: str, state: GraderState) -> None:
        # Attribute names differ from the fixture names: pytest reads fixtures off this object.
        self._proxy = proxy
        self._submission_id = submission_id
        self._state = state
        self._student_models = StudentModels()
        self.outcomes: list[TestOutcome] = []
        self.collection_errors: list[str] = []
        self.interrupted = False

    def pytest_configure(self, config: pytest.Config) -> None:
        _register_markers(config)

    @pytest.fixture
    def student(self) -> Proxy:
        return self._proxy

    @pytest.fixture
    def reference(self) -> dict[str, ModuleType]:
        return self._state.reference

    @pytest.fixture
    def options(self) -> GradingOptions:
        return self._state.options

    @pytest.fixture
    def reference_models(self) -> ReferenceModels:
        """The reference's models, each described once per grader process."""
        return self._state.reference_models

    @pytest.fixture
    def datasets(self) -> Datasets:
        """The training data, each dataset loaded once per grader process."""
        return self._state.datasets

    @pytest.fixture
    def models(self) -> ModelLab:
        """The grader's model lab: student models are built and trained only in its child."""
        if self._state.models is None:
            raise RuntimeError("no sandboxed model lab: student models are never built here")
        return self._state.models

    @pytest.fixture
    def deadline(self) -> float | None:
        """time.monotonic() by which this submission's grading must end, if bounded."""
        return self._state.deadline

    @pytest.fixture
    def student_models(self) -> StudentModels:
        """The models this submission's builders returned, shared by its tests."""
        return self._student_models

    @pytest.fixture
    def submission_id(self) -> str:
        return self._submission_id

    @pytest.fixture
    def rng(self, request: pytest.FixtureRequest) -> np.random.Generator:
        """The course's random cases for this test: the same for every student."""
        from autograder.grading.support import course_rng

        return course_rng(request)

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        deadline = self._state.deadline
        if deadline is not None and time.monotonic() > deadline:
            raise CallTimeout("the submission ran out of time before this test")

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        # pytest reports collection errors as a KeyboardInterrupt subclass; only Ctrl-C counts.
        self.interrupted = not issubclass(excinfo.type, pytest.Session.Interrupted)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collection_errors.append(f"hidden grader {report.nodeid} failed to load")

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]):
        report = (yield).get_result()
        if report.skipped:
            return  # a check this run chose not to make (e.g. training with --no-train)
        if report.when == "call" or (report.when == "setup" and report.failed):
            outcome = _outcome(item, call, report.passed)
            if report.user_properties:  # facts a grader recorded with record_property
                outcome.details["properties"] = {str(k): v for k, v in report.user_properties}
            self.outcomes.append(outcome)


def _register_markers(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "points(n): points the hidden test is worth")
    config.addinivalue_line("markers", "exercise(name): the exercise a test belongs to")


def _outcome(item: pytest.Item, call: pytest.CallInfo[None], passed: bool) -> TestOutcome:
    points_marker = item.get_closest_marker("points")
    max_score = float(points_marker.args[0]) if points_marker else 1.0
    outcome = TestOutcome(
        name=_test_name(item),
        exercise=_exercise(item),
        score=max_score if passed else 0.0,
        max_score=max_score,
        status="passed" if passed else "failed",
        id=stable_test_id(item),
    )
    if not passed and call.excinfo is not None:
        describe_failure(outcome, call.excinfo.value)
        if isinstance(call.excinfo.value, FollowsFrom):
            # Already charged by the test it follows from: shown, never deducted again.
            outcome.score = max_score
            outcome.tags.append(f"follows-from:{call.excinfo.value.cause}")
            outcome.details["follows_from"] = call.excinfo.value.cause
    return outcome


def _test_name(item: pytest.Item) -> str:
    doc = getattr(getattr(item, "function", None), "__doc__", None) or ""
    summary = doc.strip().splitlines()[0].rstrip(".") if doc.strip() else item.name
    callspec = getattr(item, "callspec", None)
    return f"{summary} [{callspec.id}]" if callspec is not None else summary


def stable_test_id(item: pytest.Item) -> str:
    """The stable id of a hidden test: ``<exercise>.<function>[<case>]``, never its docstring.

    ``item.name`` is the function's name with its parametrize id, as pytest gives it.
    """
    return f"{_exercise(item)}.{item.name.removeprefix('test_')}"


def _exercise(item: pytest.Item) -> str:
    marker = item.get_closest_marker("exercise")
    if marker:
        return str(marker.args[0])
    stem = Path(str(item.path)).stem
    return stem.removeprefix("test_")


class _Collector:
    """Records the hidden tests pytest would run, without running them."""

    def __init__(self) -> None:
        self.outcomes: list[TestOutcome] = []

    def pytest_configure(self, config: pytest.Config) -> None:
        _register_markers(config)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        for item in session.items:
            marker = item.get_closest_marker("points")
            points = float(marker.args[0]) if marker else 1.0
            self.outcomes.append(
                TestOutcome(
                    _test_name(item),
                    _exercise(item),
                    0.0,
                    points,
                    "failed",
                    id=stable_test_id(item),
                )
            )


def collect_plan(graders: list[Path] | None = None) -> list[TestOutcome]:
    """Every hidden test as a failed, zero-score outcome: the shape of an ungraded result."""
    collector = _Collector()
    pytest.main([*_pytest_args(graders), "--collect-only"], plugins=[collector])
    return collector.outcomes


# pytest plugins the graders never use (junitxml stays: it provides record_property).
# unraisableexception and threadexception run gc.collect several times per session,
# which costs about half a second per submission once TensorFlow fills the heap.
_UNUSED_PLUGINS = (
    "cacheprovider", "terminal", "stepwise", "warnings", "unraisableexception",
    "threadexception", "faulthandler", "doctest", "pastebin", "logging",
    "legacypath", "tmpdir", "terminalprogress",
)


def _pytest_args(graders: list[Path] | None) -> list[str]:
    # The course is read per run, so a course under $CONVGRADE_COURSE set after import counts.
    targets = [str(p) for p in (graders or [course().graders])]
    # The folder of the tests run: a student's install has the public tests, not the graders.
    first = Path(targets[0])
    return [
        *targets,
        "-c", os.devnull,
        "--rootdir", str(first if first.is_dir() else first.parent),
        *(arg for name in _UNUSED_PLUGINS for arg in ("-p", f"no:{name}")),
        "--capture=sys",
        "-o", "python_files=test_*.py",
        "--import-mode=importlib",
    ]


def run_graders(
    proxy: Proxy,
    submission_id: str,
    state: GraderState,
    graders: list[Path] | None = None,
) -> tuple[list[TestOutcome], list[str]]:
    """Run the hidden graders for one submission; return outcomes and grader errors."""
    plugin = GradingPlugin(proxy, submission_id, state)
    args = _pytest_args(graders)
    pytest.main(args, plugins=[plugin])
    if plugin.interrupted:
        raise KeyboardInterrupt  # never pass off a half-run submission as graded
    return plugin.outcomes, plugin.collection_errors
