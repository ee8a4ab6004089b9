"""Grade on an existing ``dask.distributed`` cluster with the same code as a local run.

Submissions are loaded on the instructor's machine (loading never runs student
code) and shipped to the workers as plain data, so the workers need convgrade
and the course installed but no access to the instructor's files. Each dask
worker process keeps one warm :class:`GraderWorker`, and therefore one sandbox
zygote, for all the submissions it grades. A dask worker outlives the run that
started it, so every task carries its run's :class:`~autograder.settings.Settings`;
a task bringing other settings than the warm grader's sets the grader to them
first. Results come back as dictionaries and are written by the caller, exactly
as in a local run.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from autograder.grading.attempt import attempt, internal_error
from autograder.grading.plugin import collect_plan
from autograder.grading.worker import GraderWorker
from autograder.load.submission import Submission, load_submission
from autograder.quiz.files import course_quiz
from autograder.reporting.store import DiskFull
from autograder.run.discovery import Found
from autograder.sandbox.probe import SandboxUnavailable
from autograder.settings import Settings

# This dask worker process's warm grader; each task sets it to the task's own settings.
_WORKER: GraderWorker | None = None
_WORKER_LOCK = threading.Lock()


def grade_on_dask(
    todo: list[Found], settings: Settings, address: str
) -> Iterator[dict[str, Any]]:
    """Yield one serialized result per submission, graded on the cluster at ``address``."""
    from dask.distributed import Client, as_completed

    remote_settings = replace(settings, hidden_paths=())  # the output dir is not theirs
    with Client(address, set_as_default=False) as client:
        futures = {}
        for job in todo:
            sid = job.id
            try:
                submission = load_submission(job.path, sid)
            except Exception as exc:  # vanished since discovery: that submission's error
                message = f"the submission could not be read: {exc}"
                yield internal_error(sid, message, collect_plan(), course_quiz())
                continue
            if job.note:
                submission.warnings.append(job.note)
            future = client.submit(
                _grade_remote, submission, remote_settings, key=f"convgrade-{sid}", pure=False
            )
            futures[future] = sid
        try:
            for future in as_completed(futures, loop=client.loop):
                try:
                    yield future.result()
                except (DiskFull, SandboxUnavailable):  # the second: no worker can grade
                    raise
                except Exception as exc:  # the dask worker died or lost the task
                    message = f"internal grading error: {exc}"
                    yield internal_error(futures[future], message, collect_plan(), course_quiz())
        except BaseException:
            client.cancel(list(futures))
            raise


def _grade_remote(submission: Submission, settings: Settings) -> dict[str, Any]:
    """Runs on a dask worker: grade under ``settings`` with this process's warm grader."""
    with _WORKER_LOCK:  # one sandbox at a time per worker process keeps limits meaningful
        return attempt(_warm_worker(settings), submission, submission.id)


def _warm_worker(settings: Settings) -> GraderWorker:
    """This process's warm grader, set to ``settings`` (an earlier run's never grade this one)."""
    global _WORKER
    if _WORKER is None:
        _WORKER = GraderWorker(settings, slot=os.getpid() % 4000)
    elif _WORKER.settings != settings:
        _WORKER.reconfigure(settings)
    return _WORKER
