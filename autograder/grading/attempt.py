"""Grade one submission inside a grader process without letting anything escape.

Whatever happens while grading, the caller gets a result dictionary: a graded
one, or one whose ``errors`` say why grading could not finish. A wall-clock
watchdog bounds the whole submission (student calls are bounded separately by
the sandbox).
"""

from __future__ import annotations

import signal
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from autograder.grading.pipeline import grade_loaded, grade_submission
from autograder.grading.results import QuizItemResult, SubmissionResult, TestOutcome
from autograder.grading.worker import GraderWorker
from autograder.load.submission import Submission
from autograder.quiz.files import Question, Quiz
from autograder.reporting.store import disk_full
from autograder.sandbox.proxy import CallTimeout


def attempt(worker: GraderWorker, job: Path | Submission, sid: str) -> dict[str, Any]:
    """A serialized result for ``job`` (a path or a loaded submission), always."""
    limit = worker.settings.submission_limit
    worker.state.deadline = time.monotonic() + limit
    try:
        with _watchdog(limit):
            if isinstance(job, Submission):
                result = grade_loaded(job, worker)
            else:
                result = grade_submission(job, worker)
        return result.to_gradescope_dict()
    except CallTimeout:
        message = f"the submission ran past its {limit:g} s time limit"
        return internal_error(sid, message, worker.plan, worker.quiz)
    except Exception as exc:
        if (full := disk_full(exc)) is not None:
            raise full from exc  # the machine's problem, not the student's: the run stops
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return internal_error(sid, f"internal grading error: {last}", worker.plan, worker.quiz)


def internal_error(
    sid: str, message: str, plan: list[TestOutcome] | None = None, quiz: Quiz | None = None
) -> dict[str, Any]:
    """A zero result that records why a submission could not be graded.

    With the worker's test plan and quiz it has every test and question, so its
    ``max_score`` is the assignment's, like any graded result.
    """
    tests = [
        replace(t, score=0.0, status="failed", output=message, details={"error": "internal"})
        for t in plan or []
    ]
    questions = [
        QuizItemResult(q.id, 0.0, q.points, "missing", None, message) for q in _questions(quiz)
    ]
    return SubmissionResult(
        submission=sid, tests=tests, quiz=questions, errors=[message]
    ).to_gradescope_dict()


def _questions(quiz: Quiz | None) -> list[Question]:
    return list(quiz.questions) if quiz is not None else []


@contextmanager
def _watchdog(seconds: float) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread() or seconds <= 0:
        yield  # signals only reach the main thread; the sandbox still bounds student code
        return

    def expire(signum: int, frame: object) -> None:
        # Inside a hidden test this fails that test; later tests fail at setup (plugin).
        raise CallTimeout(f"the submission ran past its {seconds:g} s time limit")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
