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
from pathlib import Path
from typing import Any

from autograder.grade import grade_loaded, grade_submission
from autograder.loading import Submission
from autograder.proxy import CallTimeout
from autograder.results import SubmissionResult
from autograder.worker import GraderWorker


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
        return internal_error(sid, f"the submission ran past its {limit:g} s time limit")
    except Exception as exc:
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return internal_error(sid, f"internal grading error: {last}")


def internal_error(sid: str, message: str) -> dict[str, Any]:
    """A result that records why a submission could not be graded."""
    return SubmissionResult(submission=sid, errors=[message]).to_gradescope_dict()


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
