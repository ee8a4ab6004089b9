"""Grade many submissions with warm worker processes and write every file of a run."""

from __future__ import annotations

import multiprocessing
import statistics
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.grade import grade_submission
from autograder.gradebook import write_gradebook
from autograder.loading import discover_submissions, submission_id
from autograder.output import is_graded, load_results, write_result
from autograder.paths import OutputLayout
from autograder.report import write_reports
from autograder.results import SubmissionResult
from autograder.worker import GraderWorker, WorkerSettings

Progress = Callable[[dict[str, Any]], None]


@dataclass
class RunSummary:
    """What a grading run did, for the closing table and the exit code."""

    graded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    with_errors: list[str] = field(default_factory=list)
    timeouts: list[str] = field(default_factory=list)
    scores: dict[str, tuple[float, float]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    @property
    def mean(self) -> float:
        return statistics.fmean(s for s, _ in self.scores.values()) if self.scores else 0.0

    @property
    def median(self) -> float:
        return statistics.median(s for s, _ in self.scores.values()) if self.scores else 0.0


def plan(
    inputs: Sequence[Path], layout: OutputLayout, regrade: bool
) -> tuple[list[Path], list[str]]:
    """The submissions still to grade, and the ids skipped because already graded."""
    todo, skipped = [], []
    for path in discover_submissions(inputs):
        if not regrade and is_graded(layout, submission_id(path)):
            skipped.append(submission_id(path))
        else:
            todo.append(path)
    return todo, skipped


def grade_paths(
    inputs: Sequence[Path],
    out: Path,
    *,
    settings: WorkerSettings | None = None,
    workers: int = 1,
    regrade: bool = False,
    on_result: Progress | None = None,
    on_start: Callable[[int], None] | None = None,
) -> RunSummary:
    """Grade every submission under ``inputs`` into ``out`` and rewrite the gradebook."""
    layout = OutputLayout(out)
    layout.ensure()
    settings = settings or WorkerSettings()
    settings.hidden_paths = (*settings.hidden_paths, out.resolve())
    todo, skipped = plan(inputs, layout, regrade)
    summary = RunSummary(skipped=skipped)
    if on_start:
        on_start(len(todo))
    for data in _grade_stream(todo, settings, workers):
        write_result(layout, data)
        write_reports(layout, data)
        _record(summary, data)
        if on_result:
            on_result(data)
    results, _ = load_results(layout)
    write_gradebook(layout, results)
    graded_ids = {r["submission"] for r in results}
    summary.missing = [submission_id(p) for p in todo if submission_id(p) not in graded_ids]
    return summary


def _record(summary: RunSummary, data: dict[str, Any]) -> None:
    sid = data["submission"]
    summary.graded.append(sid)
    summary.scores[sid] = (data["score"], data["max_score"])
    if data.get("errors"):
        summary.with_errors.append(sid)
    if any(t.get("details", {}).get("error") == "timeout" for t in data.get("tests", [])):
        summary.timeouts.append(sid)


def _grade_stream(
    todo: list[Path], settings: WorkerSettings, workers: int
) -> Iterator[dict[str, Any]]:
    if not todo:
        return
    if workers <= 1 or len(todo) == 1:
        with GraderWorker(settings) as worker:
            for path in todo:
                yield _grade_one(worker, path)
        return
    context = multiprocessing.get_context("spawn")
    slots = context.Queue()
    for slot in range(workers):
        slots.put(slot)
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_init_pool_worker,
        initargs=(settings, slots),
    ) as pool:
        futures = {pool.submit(_grade_in_pool, str(path)): path for path in todo}
        for future in as_completed(futures):
            try:
                yield future.result()
            except Exception as exc:  # a worker process died: this submission still gets a result
                yield _internal_error(futures[future], exc)


def _grade_one(worker: GraderWorker, path: Path) -> dict[str, Any]:
    try:
        return grade_submission(path, worker).to_gradescope_dict()
    except Exception as exc:
        return _internal_error(path, exc)


def _internal_error(path: Path, exc: BaseException) -> dict[str, Any]:
    last = traceback.format_exception_only(type(exc), exc)[-1].strip()
    result = SubmissionResult(
        submission=submission_id(path), errors=[f"internal grading error: {last}"]
    )
    return result.to_gradescope_dict()


_POOL_WORKER: GraderWorker | None = None  # one per pool process, set by the initializer


def _init_pool_worker(settings: WorkerSettings, slots: Any) -> None:
    global _POOL_WORKER
    settings.slot = slots.get()
    _POOL_WORKER = GraderWorker(settings)


def _grade_in_pool(path: str) -> dict[str, Any]:
    assert _POOL_WORKER is not None, "pool worker used before its initializer ran"
    return _grade_one(_POOL_WORKER, Path(path))
