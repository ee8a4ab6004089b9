"""Rich renderings for the terminal: progress while grading, tables afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from autograder.grading.results import TestOutcome
from autograder.reporting.report_view import failure_groups

if TYPE_CHECKING:  # annotations only: `convgrade check` must not import the grading engine
    from autograder.run.bulk import RunSummary
    from autograder.student.check import CheckReport


@dataclass
class GradingProgress:
    """Callbacks that feed a rich progress bar with count, rate and ETA."""

    progress: Progress
    task: Any

    def start(self, total: int) -> None:
        self.progress.update(self.task, total=total)

    def advance(self, result: dict[str, Any]) -> None:
        self.progress.advance(self.task)
        task = self.progress.tasks[self.task]
        elapsed = task.elapsed or 0.0
        rate = f"{60 * task.completed / elapsed:.0f}/min" if elapsed else ""
        self.progress.update(self.task, rate=rate, last=escape(result["submission"]))


@contextmanager
def grading_progress(console: Console) -> Iterator[GradingProgress]:
    """A live progress bar for a grading run, with rate, ETA and the last submission."""
    with Progress(
        TextColumn("[bold]grading"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        TextColumn("[dim]{task.fields[last]}"),
        console=console,
    ) as progress:
        yield GradingProgress(progress, progress.add_task("grading", total=None, rate="", last=""))


def summary_table(summary: RunSummary, title: str) -> Table:
    """A one-row table of a run: graded, skipped, with errors, timeouts, mean and median."""
    table = Table(title=title)
    for column in ("graded", "skipped", "with errors", "timeouts", "mean", "median"):
        table.add_column(column, justify="right")
    table.add_row(
        str(len(summary.graded)),
        str(len(summary.skipped)),
        str(len(summary.with_errors)),
        str(len(summary.timeouts)),
        f"{summary.mean:.1f}",
        f"{summary.median:.1f}",
    )
    return table


def scores_table(summary: RunSummary, limit: int = 40) -> Table | None:
    """Each submission's score, or None when there are none or more than ``limit``."""
    if not summary.scores or len(summary.scores) > limit:
        return None
    table = Table()
    table.add_column("submission")
    table.add_column("score", justify="right")
    for sid, (score, max_score) in sorted(summary.scores.items()):
        table.add_row(escape(sid), f"{score:g} / {max_score:g}")
    return table


def check_table(report: CheckReport) -> Table:
    """One row per exercise: functions not started yet, then one entry per function and cause."""
    table = Table(title="convgrade check (public tests)", show_lines=True)
    table.add_column("exercise")
    table.add_column("passed", justify="right")
    table.add_column("what to look at")
    for row in report.rows:
        groups = failure_groups([_as_dict(o) for o in row.outcomes], row.exercise)
        unstarted = sorted(g.function for g in groups if g.not_started)
        notes = "\n\n".join(
            [f"not started yet: {escape(', '.join(unstarted))}"] * bool(unstarted)
            + [
                f"[bold]{escape(g.function)}[/bold]: {escape(g.summary)}\n"
                f"{escape(g.example['name'])}\n{escape(g.example['output'])}"
                for g in groups
                if not g.not_started
            ]
        )
        mark = "[green]ok" if not row.failures and row.outcomes else "[red]" if row.failures else ""
        table.add_row(row.exercise, f"{mark} {row.passed}/{len(row.outcomes)}", notes)
    for message in report.errors:
        table.add_row("[red]error", "", escape(message))
    for message in report.warnings:
        table.add_row("[yellow]warning", "", escape(message))
    return table


def _as_dict(outcome: TestOutcome) -> dict[str, Any]:
    return {"name": outcome.name, "status": outcome.status, "output": outcome.output,
            "score": outcome.score, "max_score": outcome.max_score,
            "tags": list(outcome.tags), "details": dict(outcome.details)}
