"""The ``convgrade`` command: a thin layer of click over the typed API."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from autograder.names import TerminalStream, terminal_text
from autograder.tf_env import quiet_tensorflow

# Student-chosen names reach these consoles: both filter control and escape sequences.
console = Console(file=TerminalStream(lambda: sys.stderr))
stdout = Console(file=TerminalStream(lambda: sys.stdout))


def _safe(text: object) -> str:
    """Text for a rich console: no control sequences, no rich markup."""
    return escape(terminal_text(str(text)))

PathArg = click.Path(path_type=Path)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="convgrade")
def main() -> None:
    """convgrade: autograded exercises and quizzes on convolutional neural networks."""
    quiet_tensorflow()


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
    "--submission-timeout",
    type=click.FloatRange(min=1),
    default=300.0,
    show_default=True,
    help="Seconds one whole submission may take.",
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
    memory: int,
    regrade: bool,
    data: Path | None,
    no_train: bool,
    dask_address: str | None,
) -> None:
    """Grade SUBMISSIONS (folders, .zip or .ipynb files, or folders of them)."""
    from autograder.bulk import grade_paths
    from autograder.output import DiskFull
    from autograder.plugin import GradingOptions
    from autograder.sandbox.session import SandboxConfig
    from autograder.views import grading_progress, scores_table, summary_table
    from autograder.worker import WorkerSettings

    settings = WorkerSettings(
        sandbox=SandboxConfig(
            call_timeout=timeout,
            cpu_seconds_per_call=max(1, int(timeout)),
            memory_mb=memory,
            submission_seconds=submission_timeout,
        ),
        options=GradingOptions(
            data_path=data.resolve() if data else None, train_models=not no_train
        ),
        submission_limit=submission_timeout + 60,
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
        console.print(f"[red]stopped: {_safe(exc.strerror)}; free some space and run it again")
        sys.exit(1)
    for warning in summary.warnings:
        console.print(f"[yellow]warning: {_safe(warning)}")
    stdout.print(summary_table(summary, f"convgrade: {out}"))
    scores = scores_table(summary)
    if scores is not None:
        stdout.print(scores)
    if summary.interrupted:
        console.print("[yellow]stopped; run the same command again to grade the rest")
        sys.exit(130)
    if summary.stopped:
        console.print(f"[red]{_safe(summary.stopped)}")
        sys.exit(1)
    if summary.missing:
        console.print(f"[red]no result for: {_safe(', '.join(summary.missing))}")
        sys.exit(1)


@main.command()
@click.argument("out", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--points",
    "points_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Rescore with this points policy (TOML).",
)
def report(out: Path, points_file: Path | None) -> None:
    """Rewrite every report and the gradebook of OUT from its stored results."""
    from autograder.output import DiskFull
    from autograder.points import load_policy
    from autograder.regenerate import regenerate

    try:
        policy = load_policy(points_file) if points_file else None
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    try:
        done = regenerate(out, policy)
    except DiskFull as exc:
        console.print(f"[red]stopped: {_safe(exc.strerror)}; free some space and run it again")
        sys.exit(1)
    for name in done.unreadable:
        console.print(f"[yellow]skipped unreadable result {_safe(name)}")
    if done.rescored:
        console.print(f"rescored {done.rescored} results with {points_file}")
    console.print(f"rewrote {done.reports} reports and {out / 'gradebook.csv'}")


@main.command()
@click.argument("out", type=click.Path(exists=True, file_okay=False, path_type=Path))
def stats(out: Path) -> None:
    """Class analytics of OUT: pass rates, discrimination, misconceptions, charts."""
    from autograder.paths import OutputLayout
    from autograder.stats_render import write_class_stats

    written, unreadable = write_class_stats(OutputLayout(out))
    for name in unreadable:
        console.print(f"[yellow]skipped unreadable result {_safe(name)}")
    for path in written:
        console.print(f"wrote {path}")


@main.command()
@click.argument("path", required=False, default=".", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--model/--no-model",
    default=None,
    help="Check the Keras models too (imports TensorFlow; default: when model.py exists).",
)
@click.option("--only", default=None, metavar="NAME",
              help="Check one exercise or function, e.g. pooling or conv_forward.")
def check(path: Path, model: bool | None, only: str | None) -> None:
    """Run the public self-check tests on your files or notebook at PATH."""
    from autograder.check import run_check
    from autograder.views import check_table

    try:
        report_ = run_check(path, include_model=model, only=only)
    except ValueError as exc:  # --only names nothing
        raise click.UsageError(str(exc)) from exc
    stdout.print(check_table(report_))
    sys.exit(0 if report_.all_passed else 1)


@main.command()
@click.argument("path", required=False, default=".", type=click.Path(exists=True, path_type=Path))
@click.option("--out", type=PathArg, default=Path("submission.zip"), show_default=True)
def submit(path: Path, out: Path) -> None:
    """Pack your work at PATH into a submission zip and validate it like the grader."""
    from autograder.submit import build_submission_zip

    result = build_submission_zip(path, out)
    for warning in result.warnings:
        console.print(f"[yellow]warning: {_safe(warning)}")
    for problem in result.problems:
        console.print(f"[red]problem: {_safe(problem)}")
    if result.files:
        console.print(f"wrote {result.path}")
    sys.exit(1 if result.problems else 0)


@main.command()
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
def release(out: Path) -> None:
    """Write the student bundle to OUT: stubs, notebooks, public tests, quiz, student wheel."""
    from autograder.paths import course
    from autograder.release import assert_clean_bundle, build_release
    from autograder.student_wheel import WheelError, build_student_wheel

    files = build_release(course(), out)
    try:  # the wheel students install is searched with the bundle
        files.append(build_student_wheel(out / "wheels", readme=out / "README.md"))
    except WheelError as exc:
        console.print(f"[red]{_safe(exc)}")
        sys.exit(1)
    leaks = assert_clean_bundle(out, course())
    for leak in leaks:
        console.print(f"[red]leak: {_safe(leak)}")
    console.print(f"wrote {len(files)} files to {out}")
    sys.exit(1 if leaks else 0)


@main.group()
def export() -> None:
    """Export the course for other platforms."""


@export.command("gradescope")
@click.argument("out", type=PathArg)
def export_gradescope(out: Path) -> None:
    """A Gradescope autograder zip (setup.sh, run_autograder) at OUT."""
    from autograder.export.gradescope import build_gradescope_zip
    from autograder.paths import course

    console.print(f"wrote {build_gradescope_zip(course(), out)}")


@export.command("otter")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
def export_otter(out: Path) -> None:
    """An otter-assign master notebook (solutions and tests) in OUT."""
    from autograder.export.otter import build_otter_master
    from autograder.paths import course

    console.print(f"wrote {build_otter_master(course(), out)}")
