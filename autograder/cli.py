"""The ``convgrade`` command: a thin layer of click over the typed API."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from autograder.plugin import GradingOptions
from autograder.sandbox.session import SandboxConfig
from autograder.worker import WorkerSettings

console = Console(stderr=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="convgrade")
def main() -> None:
    """convgrade: autograded exercises and quizzes on convolutional neural networks."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@main.command()
@click.argument(
    "submissions", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path)
)
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for results/, reports/ and gradebook.csv.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Parallel grader processes (default: the machine's cores).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=10.0,
    show_default=True,
    help="Seconds one call into student code may take.",
)
@click.option(
    "--memory",
    type=click.IntRange(min=64),
    default=2048,
    show_default=True,
    help="Memory limit of student code, in MiB.",
)
@click.option("--regrade", is_flag=True, help="Grade again submissions that already have a result.")
@click.option(
    "--data",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="An MNIST-style .npz to train models on instead of the bundled digits.",
)
@click.option("--no-train", is_flag=True, help="Check model architectures without training them.")
def grade(
    submissions: tuple[Path, ...],
    out: Path,
    workers: int | None,
    timeout: float,
    memory: int,
    regrade: bool,
    data: Path | None,
    no_train: bool,
) -> None:
    """Grade SUBMISSIONS (folders, .zip or .ipynb files, or folders of them)."""
    from autograder.bulk import grade_paths

    settings = WorkerSettings(
        sandbox=SandboxConfig(call_timeout=timeout, cpu_seconds_per_call=timeout, memory_mb=memory),
        options=GradingOptions(data_path=data, train_models=not no_train),
    )
    with Progress(
        TextColumn("[bold]grading"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task("grading", total=None, rate="")

        def on_result(result: dict) -> None:
            progress.advance(task)
            elapsed = progress.tasks[task].elapsed or 0.0
            done = progress.tasks[task].completed
            progress.update(task, rate=f"{60 * done / elapsed:.0f}/min" if elapsed else "")

        summary = grade_paths(
            list(submissions),
            out,
            settings=settings,
            workers=workers or os.cpu_count() or 1,
            regrade=regrade,
            on_result=on_result,
            on_start=lambda n: progress.update(task, total=n),
        )
    table = Table(title=f"convgrade: {out}")
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
    Console().print(table)
    scores = Table()
    for column in ("submission", "score"):
        scores.add_column(column)
    for sid, (score, max_score) in sorted(summary.scores.items()):
        scores.add_row(sid, f"{score:g} / {max_score:g}")
    if summary.scores:
        Console().print(scores)
    if summary.missing:
        console.print(f"[red]no result for: {', '.join(summary.missing)}")
        sys.exit(1)


@main.command()
@click.argument("out", type=click.Path(exists=True, file_okay=False, path_type=Path))
def report(out: Path) -> None:
    """Rewrite every report and the gradebook of OUT from its stored results."""
    from autograder.regenerate import regenerate

    count, unreadable = regenerate(out)
    for name in unreadable:
        console.print(f"[yellow]skipped unreadable result {name}")
    console.print(f"rewrote {count} reports and {out / 'gradebook.csv'}")
