"""Warm local grader processes: each loads TensorFlow, the reference and the quiz once.

Processes are started with ``spawn`` (TensorFlow must not be forked by the
parent) and each takes a distinct slot, which gives its sandboxes their own
user id. A grader process that dies takes no other submission with it: the
unfinished ones are retried in a fresh pool, and one that keeps killing its
grader gets a result saying so.
"""

from __future__ import annotations

import ctypes
import functools
import multiprocessing
import signal
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from autograder.grading.attempt import attempt, internal_error
from autograder.grading.plugin import collect_plan
from autograder.grading.results import TestOutcome
from autograder.grading.worker import GraderWorker
from autograder.load.submission import load_submission
from autograder.quiz.files import Quiz, course_quiz
from autograder.reporting.store import DiskFull
from autograder.run.discovery import Found
from autograder.sandbox.probe import SandboxUnavailable
from autograder.settings import Settings

RETRIES = 2
_PR_SET_PDEATHSIG = 1


def grade_locally(
    todo: list[Found], settings: Settings, workers: int
) -> Iterator[dict[str, Any]]:
    """Yield one serialized result per submission, in completion order."""
    if workers <= 1 or len(todo) == 1:
        with GraderWorker(settings) as worker:
            for job in todo:
                yield grade_one(worker, job)
        return
    remaining = list(todo)
    for round_number in range(RETRIES + 1):
        broken: list[Found] = []
        yield from _one_pool(remaining, settings, min(workers, len(remaining)), broken)
        if not broken:
            return
        remaining = broken
        if round_number == RETRIES:
            plan, quiz = fallback_shape()
            for job in broken:
                message = "internal grading error: the grader process died"
                yield internal_error(job.id, message, plan, quiz)


def grade_one(worker: GraderWorker, job: Found) -> dict[str, Any]:
    """A serialized result for the submission ``job`` names, under its id, always."""
    try:
        submission = load_submission(job.path, job.id)
    except Exception as exc:  # vanished since discovery, or unreadable in a way not foreseen
        message = f"the submission could not be read: {exc}"
        return internal_error(job.id, message, worker.plan, worker.quiz)
    if job.note:
        submission.warnings.append(job.note)
    return attempt(worker, submission, job.id)


def _one_pool(
    todo: list[Found], settings: Settings, workers: int, broken: list[Found]
) -> Iterator[dict[str, Any]]:
    context = multiprocessing.get_context("spawn")
    slots = context.Queue()
    for slot in range(workers):
        slots.put(slot)
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_init_pool_worker,
        initargs=(settings, slots),
    )
    futures: dict[Future[dict[str, Any]], Found] = {}
    for index, job in enumerate(todo):
        try:
            futures[pool.submit(_grade_in_pool, job)] = job
        except BrokenProcessPool:  # a grader died while work was still being handed out
            broken += todo[index:]
            break
    try:
        for future in as_completed(futures):
            try:
                yield future.result()
            except BrokenProcessPool:
                broken.append(futures[future])
            except (DiskFull, SandboxUnavailable):
                raise
            except Exception as exc:
                message = f"internal grading error: {exc}"
                yield internal_error(futures[future].id, message, *fallback_shape())
    except BaseException:
        _stop_now(pool)  # Ctrl-C or the consumer went away: do not wait for running work
        raise
    pool.shutdown(wait=True)


@functools.cache
def fallback_shape() -> tuple[list[TestOutcome], Quiz]:
    """The test plan and quiz, for results the grader processes could not produce."""
    return collect_plan(), course_quiz()


def _stop_now(pool: ProcessPoolExecutor) -> None:
    # The executor has no public way to stop running tasks; its processes are ours to end.
    # They are listed first: shutting down may drop the executor's own list.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.kill()


# The grader of one pool process, built by the initializer from the run's settings.
# It lives exactly as long as its process, and each process belongs to one pool of one
# run (_one_pool shuts it down before returning), so no run sees another run's settings.
_POOL_WORKER: GraderWorker | None = None
# Why the grader of this process could not be built: each task raises it, so the run
# stops with its message (an initializer's own exception only breaks the pool).
_POOL_UNAVAILABLE: SandboxUnavailable | None = None


def _init_pool_worker(settings: Settings, slots: Any) -> None:
    global _POOL_WORKER, _POOL_UNAVAILABLE
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C for everyone
    _die_with_parent()
    try:
        _POOL_WORKER = GraderWorker(settings, slot=slots.get())
    except SandboxUnavailable as exc:
        _POOL_UNAVAILABLE = exc


def _grade_in_pool(job: Found) -> dict[str, Any]:
    if _POOL_UNAVAILABLE is not None:
        raise _POOL_UNAVAILABLE
    assert _POOL_WORKER is not None, "pool worker used before its initializer ran"
    return grade_one(_POOL_WORKER, job)


def _die_with_parent() -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # not Linux: the executor still notices a vanished parent on its own
