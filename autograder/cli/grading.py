"""The grading verbs: ``grade`` a class, rewrite its ``report``s, its ``stats``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from autograder.cli.app import (
    check_stored_policy,
    console,
    fail,
    main,
    require_results,
    safe,
    stdout,
)
from autograder.settings import Settings

# Every flag's default is the API's: `grade` without flags grades with Settings().
DEFAULT = Settings()


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
    default=DEFAULT.sandbox.call_timeout,
    show_default=True,
    help="Seconds one call into student code may take.",
)
@click.option(
    "--submission-timeout",
    type=click.FloatRange(min=1),
    default=DEFAULT.sandbox.submission_seconds,
    show_default=True,
    help="Seconds one whole submission may take.",
)
@click.option(
    "--training-timeout",
    type=click.FloatRange(min=1),
    default=DEFAULT.models.training_seconds,
    show_default=True,
    help="Seconds training one student model may take.",
)
@click.option(
    "--memory",
    type=click.IntRange(min=64),
    default=DEFAULT.sandbox.memory_mb,
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
@click.option(
    "--dask",
    "dask_address",
    default=None,
    metavar="ADDRESS",
    help="Grade on a dask.distributed scheduler, e.g. tcp://10.0.0.5:8786.",
)
def grade(
    submissions: tuple[Path, ...],
    out: Path,
    workers: int | None,
    timeout: float,
    submission_timeout: float,
    training_timeout: float,
    memory: int,
    regrade: bool,
    data: Path | None,
    no_train: bool,
    dask_address: str | None,
) -> None:
    """Grade SUBMISSIONS (folders, .zip or .ipynb files, or folders of them)."""
    from autograder.reporting.store import DiskFull
    from autograder.reporting.terminal import grading_progress, scores_table, summary_table
    from autograder.run.bulk import grade_paths
    from autograder.run.discovery import discover_with_warnings
    from autograder.sandbox.probe import SandboxUnavailable

    refuse_output_inside(out, submissions)
    check_stored_policy(out)
    found, notes = discover_with_warnings(list(submissions))
    if not found:
        fail(
            f"no submissions found in {', '.join(map(str, submissions))}: expected student "
            "folders, .zip or .ipynb files (a class folder holds one per student)"
            + "".join(f"; {note}" for note in notes)
        )
    settings = Settings.from_limits(
        call_timeout=timeout,
        submission_seconds=submission_timeout,
        memory_mb=memory,
        training_seconds=training_timeout,
        data_path=data.resolve() if data else None,
        train_models=not no_train,
    )
    try:
        with grading_progress(console) as progress:
            summary = grade_paths(
                list(submissions),
                out,
                settings=settings,
                workers=workers or os.cpu_count() or 1,
                regrade=regrade,
                dask_address=dask_address,
                on_result=progress.advance,
                on_start=progress.start,
            )
    except DiskFull as exc:
        console.print(f"[red]stopped: {safe(exc.strerror)}; free some space and run it again")
        sys.exit(1)
    except SandboxUnavailable as exc:
        fail(str(exc), code=1)
    for warning in summary.warnings:
        console.print(f"[yellow]warning: {safe(warning)}")
    stdout.print(summary_table(summary, f"convgrade: {out}"))
    scores = scores_table(summary)
    if scores is not None:
        stdout.print(scores)
    console.print(
        f"wrote {len(summary.graded)} results in {out / 'results'}, their reports in "
        f"{out / 'reports'}, and {out / 'gradebook.csv'}",
        soft_wrap=True,
    )
    for label, names in (
        ("with errors", summary.with_errors),
        ("timeouts", summary.timeouts),
        ("no work found", summary.no_work),
    ):
        if names:
            console.print(f"[yellow]{label}: {safe(', '.join(sorted(names)))}")
    if summary.interrupted:
        console.print("[yellow]stopped; run the same command again to grade the rest")
        sys.exit(130)
    if summary.stopped:
        console.print(f"[red]{safe(summary.stopped)}")
        sys.exit(1)
    if summary.missing:
        console.print(f"[red]no result for: {safe(', '.join(summary.missing))}")
        sys.exit(1)


@main.command()
@click.argument("out", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--points",
    "points_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Declare this points policy (TOML): stored in OUT, used by later runs too.",
)
def report(out: Path, points_file: Path | None) -> None:
    """Rewrite every report and the gradebook of OUT from its stored results.

    With --points the declaration is checked, stored in OUT and applied to the
    original points; later grade and report runs on OUT keep using it.
    """
    from autograder.course.paths import OutputLayout
    from autograder.grading.points import declare_policy, stored_policy_path
    from autograder.reporting.regenerate import regenerate
    from autograder.reporting.store import DiskFull, load_results

    require_results(out, "report")
    check_stored_policy(out)
    policy = None
    if points_file is not None:
        try:
            policy = declare_policy(out, points_file, load_results(OutputLayout(out))[0])
        except ValueError as exc:
            fail(str(exc))
        console.print(f"wrote {stored_policy_path(out)} (used by every later grade and report)")
    try:
        done = regenerate(out, policy)
    except DiskFull as exc:
        console.print(f"[red]stopped: {safe(exc.strerror)}; free some space and run it again")
        sys.exit(1)
    except ValueError as exc:  # a malformed course.toml or a newer gradebook database
        fail(str(exc))
    for name in done.unreadable:
        console.print(f"[yellow]skipped unreadable result {safe(name)}")
    if done.rescored:
        source = points_file or stored_policy_path(out)
        console.print(f"rescored {done.rescored} results in {out / 'results'} with {source}")
    reports = out / "reports"
    console.print(f"rewrote {done.reports} reports in {reports} and {out / 'gradebook.csv'}")


@main.command()
@click.argument("out", type=click.Path(exists=True, file_okay=False, path_type=Path))
def stats(out: Path) -> None:
    """Class analytics of OUT: pass rates, discrimination, misconceptions, charts."""
    from autograder.course.paths import OutputLayout
    from autograder.reporting.stats_render import write_class_stats

    require_results(out, "stats")
    written, unreadable = write_class_stats(OutputLayout(out))
    for name in unreadable:
        console.print(f"[yellow]skipped unreadable result {safe(name)}")
    for path in written:
        console.print(f"wrote {path}")



def refuse_output_inside(out: Path, inputs: tuple[Path, ...]) -> None:
    """OUT inside a folder being graded would be taken for a student by the next run."""
    target = out.resolve()
    for path in inputs:
        folder = path.resolve()
        if path.is_dir() and (target == folder or target.is_relative_to(folder)):
            fail(
                f"--out {out} is inside {path}, which is being graded; its results would be "
                f"taken for a student next time. Choose a folder outside {path}"
            )

