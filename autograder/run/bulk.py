"""Grade many submissions and write every file of a run, one result at a time.

Results are written atomically as they arrive, so a run killed at any moment
leaves only whole result files, and the next run skips what is already graded.
No submission can end the run: a result or report that cannot be written
becomes that submission's error result. Only a full disk stops the run, with a
message, so that the next run resumes once there is space.
Where the grading happens is a backend: warm local processes (``autograder.run.pool``)
or a ``dask.distributed`` cluster (``autograder.run.remote``).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from autograder.course.paths import OutputLayout
from autograder.grading.attempt import internal_error
from autograder.grading.points import rescore_or_keep, stored_policy
from autograder.reporting.gradebook import write_gradebook
from autograder.reporting.report import write_reports
from autograder.reporting.store import DiskFull, disk_full, is_graded, load_results, write_result
from autograder.run.discovery import Found, discover
from autograder.settings import Settings
from autograder.workspace.sources import record_graded, shown_results

Progress = Callable[[dict[str, Any]], None]


@dataclass
class RunSummary:
    """What a grading run did, for the closing table and the exit code."""

    graded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    with_errors: list[str] = field(default_factory=list)
    timeouts: list[str] = field(default_factory=list)
    no_work: list[str] = field(default_factory=list)
    scores: dict[str, tuple[float, float]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    interrupted: bool = False
    # Why the run stopped early (a full disk), or None.
    stopped: str | None = None

    @property
    def mean(self) -> float:
        return statistics.fmean(s for s, _ in self.scores.values()) if self.scores else 0.0

    @property
    def median(self) -> float:
        return statistics.median(s for s, _ in self.scores.values()) if self.scores else 0.0


@dataclass
class Plan:
    """What a run will grade, what it skips as already graded, and what it leaves out."""

    todo: list[Found] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def plan(inputs: Sequence[Path], layout: OutputLayout, regrade: bool) -> Plan:
    """The submissions still to grade, each under a distinct id (a warning per renamed one)."""
    found, warnings = discover(inputs)
    result = Plan(warnings=warnings)
    for job in found:
        if not regrade and is_graded(layout, job.id):
            result.skipped.append(job.id)
        else:
            result.todo.append(job)
    return result


def grade_paths(
    inputs: Sequence[Path],
    out: Path,
    *,
    settings: Settings | None = None,
    workers: int = 1,
    regrade: bool = False,
    dask_address: str | None = None,
    on_result: Progress | None = None,
    on_start: Callable[[int], None] | None = None,
) -> RunSummary:
    """Grade every submission under ``inputs`` into ``out`` and rewrite the gradebook.

    ``settings`` holds every limit of the run; None means ``Settings()``, the
    same defaults as ``convgrade grade`` without flags.

    Raises:
        SandboxUnavailable: a grader found that no sandbox can start on its machine
            (for example without root); the run stops there, locally before any
            result is written.
    """
    layout = OutputLayout(out)
    try:
        layout.ensure()
    except OSError as exc:
        if (full := disk_full(exc)) is None:
            raise
        raise full from exc
    settings = settings or Settings()
    settings = replace(settings, hidden_paths=(*settings.hidden_paths, out.resolve()))
    if settings.options.cache_dir is None and not dask_address:
        # Local grader processes share training outcomes through the output folder,
        # so each distinct model trains once per run, and not again when it resumes.
        options = replace(settings.options, cache_dir=layout.training_cache.resolve())
        settings = replace(settings, options=options)
    planned = plan(inputs, layout, regrade)
    todo = planned.todo
    summary = RunSummary(skipped=planned.skipped, warnings=planned.warnings)
    if on_start:
        on_start(len(todo))
    policy = stored_policy(out)  # a TA's points policy holds for later grades too
    origins = {job.id: job.path for job in todo}
    try:
        for data in _stream(todo, settings, workers, dask_address):
            if policy is not None:
                data = rescore_or_keep(data, policy)
            data = _store(layout, data)
            # The TA workspace keeps code and history; reports show the TA's decisions.
            record_graded(out, origins.get(data["submission"]), data)
            _record(summary, data)
            if on_result:
                on_result(data)
    except KeyboardInterrupt:
        summary.interrupted = True  # every finished result is already on disk
    except DiskFull as exc:
        summary.stopped = _disk_full(exc)
    results, _ = load_results(layout)
    if summary.stopped is None:
        try:
            write_gradebook(layout, shown_results(out, results))
        except DiskFull as exc:
            summary.stopped = _disk_full(exc)
    graded_ids = {r["submission"] for r in results}
    summary.missing = [job.id for job in todo if job.id not in graded_ids]
    return summary


def _disk_full(exc: DiskFull) -> str:
    return (
        f"stopped: {exc.strerror}. Every result written so far is kept; free some space "
        "and run the same command again to grade the rest"
    )


def _store(layout: OutputLayout, data: dict[str, Any]) -> dict[str, Any]:
    """Write a result and its reports; a failure becomes the submission's error result.

    Raises:
        DiskFull: the disk is full, which no other submission could be written to either.
    """
    try:
        write_result(layout, data)
        write_reports(layout, data)
        return data
    except DiskFull:
        raise
    except Exception as exc:
        sid = str(data.get("submission", "submission"))
        message = f"internal grading error: the result files could not be written ({exc})"
        fallback = internal_error(sid, message, *_fallback_shape())
    try:
        write_result(layout, fallback)
        write_reports(layout, fallback)
    except DiskFull:
        raise
    except Exception:
        pass  # no result on disk: the summary lists it as missing and the next run retries
    return fallback


def _fallback_shape() -> tuple[list, Any]:
    from autograder.run.pool import fallback_shape

    return fallback_shape()


def _stream(
    todo: list[Found], settings: Settings, workers: int, dask_address: str | None
) -> Iterator[dict[str, Any]]:
    if not todo:
        return iter(())
    if dask_address:
        from autograder.run.remote import grade_on_dask

        return grade_on_dask(todo, settings, dask_address)
    from autograder.run.pool import grade_locally

    return grade_locally(todo, settings, workers)


def _record(summary: RunSummary, data: dict[str, Any]) -> None:
    sid = data["submission"]
    summary.graded.append(sid)
    summary.scores[sid] = (data["score"], data["max_score"])
    if data.get("errors"):
        summary.with_errors.append(sid)
    if any(t.get("details", {}).get("error") == "timeout" for t in data.get("tests", [])):
        summary.timeouts.append(sid)
    if data.get("no_work"):
        summary.no_work.append(sid)
