"""Grade many submissions and write every file of a run, one result at a time.

Results are written atomically as they arrive, so a run killed at any moment
leaves only whole result files, and the next run skips what is already graded.
Where the grading happens is a backend: warm local processes (``autograder.pool``)
or a ``dask.distributed`` cluster (``autograder.remote``).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from autograder.gradebook import write_gradebook
from autograder.loading import discover_with_warnings, submission_id
from autograder.output import is_graded, load_results, write_result
from autograder.paths import OutputLayout
from autograder.points import rescore_or_keep, stored_policy
from autograder.report import write_reports
from autograder.worker import WorkerSettings

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

    @property
    def mean(self) -> float:
        return statistics.fmean(s for s, _ in self.scores.values()) if self.scores else 0.0

    @property
    def median(self) -> float:
        return statistics.median(s for s, _ in self.scores.values()) if self.scores else 0.0


@dataclass
class Plan:
    """What a run will grade, what it skips as already graded, and what it leaves out."""

    todo: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def plan(inputs: Sequence[Path], layout: OutputLayout, regrade: bool) -> Plan:
    """The submissions still to grade; duplicate ids are left out with a warning."""
    paths, warnings = discover_with_warnings(inputs)
    result = Plan(warnings=warnings)
    for path in paths:
        if not regrade and is_graded(layout, submission_id(path)):
            result.skipped.append(submission_id(path))
        else:
            result.todo.append(path)
    return result


def grade_paths(
    inputs: Sequence[Path],
    out: Path,
    *,
    settings: WorkerSettings | None = None,
    workers: int = 1,
    regrade: bool = False,
    dask_address: str | None = None,
    on_result: Progress | None = None,
    on_start: Callable[[int], None] | None = None,
) -> RunSummary:
    """Grade every submission under ``inputs`` into ``out`` and rewrite the gradebook."""
    layout = OutputLayout(out)
    layout.ensure()
    settings = settings or WorkerSettings()
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
    try:
        for data in _stream(todo, settings, workers, dask_address):
            if policy is not None:
                data = rescore_or_keep(data, policy)
            write_result(layout, data)
            write_reports(layout, data)
            _record(summary, data)
            if on_result:
                on_result(data)
    except KeyboardInterrupt:
        summary.interrupted = True  # every finished result is already on disk
    results, _ = load_results(layout)
    write_gradebook(layout, results)
    graded_ids = {r["submission"] for r in results}
    summary.missing = [submission_id(p) for p in todo if submission_id(p) not in graded_ids]
    return summary


def _stream(
    todo: list[Path], settings: WorkerSettings, workers: int, dask_address: str | None
) -> Iterator[dict[str, Any]]:
    if not todo:
        return iter(())
    if dask_address:
        from autograder.remote import grade_on_dask

        return grade_on_dask(todo, settings, dask_address)
    from autograder.pool import grade_locally

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
