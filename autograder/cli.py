"""The ``convgrade`` command: a thin layer of click over the typed API."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn, TypeVar

import click
from rich.console import Console
from rich.markup import escape

from autograder.run.names import TerminalStream, terminal_text
from autograder.sandbox.tf_env import quiet_tensorflow

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
    from autograder.grading.plugin import GradingOptions
    from autograder.grading.worker import WorkerSettings
    from autograder.reporting.store import DiskFull
    from autograder.reporting.terminal import grading_progress, scores_table, summary_table
    from autograder.run.bulk import grade_paths
    from autograder.run.discovery import discover_with_warnings
    from autograder.sandbox.session import SandboxConfig

    _refuse_output_inside(out, submissions)
    _check_stored_policy(out)
    found, notes = discover_with_warnings(list(submissions))
    if not found:
        _fail(
            f"no submissions found in {', '.join(map(str, submissions))}: expected student "
            "folders, .zip or .ipynb files (a class folder holds one per student)"
            + "".join(f"; {note}" for note in notes)
        )
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
            console.print(f"[yellow]{label}: {_safe(', '.join(sorted(names)))}")
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

    _require_results(out, "report")
    _check_stored_policy(out)
    policy = None
    if points_file is not None:
        try:
            policy = declare_policy(out, points_file, load_results(OutputLayout(out))[0])
        except ValueError as exc:
            _fail(str(exc))
        console.print(f"wrote {stored_policy_path(out)} (used by every later grade and report)")
    try:
        done = regenerate(out, policy)
    except DiskFull as exc:
        console.print(f"[red]stopped: {_safe(exc.strerror)}; free some space and run it again")
        sys.exit(1)
    except ValueError as exc:  # a malformed course.toml or a newer gradebook database
        _fail(str(exc))
    for name in done.unreadable:
        console.print(f"[yellow]skipped unreadable result {_safe(name)}")
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

    _require_results(out, "stats")
    written, unreadable = write_class_stats(OutputLayout(out))
    for name in unreadable:
        console.print(f"[yellow]skipped unreadable result {_safe(name)}")
    for path in written:
        console.print(f"wrote {path}")


@main.command()
@click.argument("path", required=False, default=".", type=PathArg)
@click.option(
    "--model/--no-model",
    default=None,
    help="Check the Keras models too (imports TensorFlow; default: when a model is begun).",
)
@click.option("--only", default=None, metavar="NAME",
              help="Check one exercise or function, e.g. pooling or conv_forward.")
def check(path: Path, model: bool | None, only: str | None) -> None:
    """Run the public self-check tests on your files or notebook at PATH."""
    from autograder.reporting.terminal import check_table
    from autograder.student.check import missing_path_hint, run_check

    if not path.exists():
        _fail(missing_path_hint(path, Path.cwd()))
    try:
        report_ = run_check(path, include_model=model, only=only)
    except ValueError as exc:  # --only names nothing
        raise click.UsageError(str(exc)) from exc
    stdout.print(check_table(report_))
    if not report_.rows:
        _fail(f"no exercise files or notebooks were found in {path}")
    sys.exit(0 if report_.all_passed else 1)


@main.command()
@click.argument("path", required=False, default=".", type=PathArg)
@click.option("--out", type=PathArg, default=Path("submission.zip"), show_default=True)
@click.option("--force", is_flag=True, help="Write the zip even when nothing is implemented.")
def submit(path: Path, out: Path, force: bool) -> None:
    """Pack your work at PATH into a submission zip and validate it like the grader."""
    from autograder.student.submit import build_submission_zip, work_root

    if not path.exists():
        _fail(f"{path} does not exist; run `convgrade submit` in the folder holding your work")
    source = work_root(path) if path.is_dir() else path
    result = build_submission_zip(source, out, force=force)
    for line in result.sources:
        console.print(f"graded from: {_safe(line)}")
    for warning in result.warnings:
        console.print(f"[yellow]warning: {_safe(warning)}")
    for problem in result.problems:
        console.print(f"[red]problem: {_safe(problem)}")
    if result.written:
        console.print(f"wrote {_safe(result.path)} ({_safe(', '.join(result.files))})")
    sys.exit(1 if result.problems or not result.written else 0)


def _require_results(out: Path, verb: str) -> None:
    """Stop unless ``out`` is an OUT folder holding at least one result."""
    from autograder.reporting.stats import output_folder_problem

    if (problem := output_folder_problem(out, verb)) is not None:
        _fail(problem)


def _check_stored_policy(out: Path) -> None:
    """A points policy stored in OUT that no longer reads stops the command before it starts."""
    from autograder.grading.points import stored_policy

    try:
        stored_policy(out)
    except ValueError as exc:
        _fail(f"{exc}; fix it or declare a new one with `convgrade report OUT --points FILE`")


def _refuse_output_inside(out: Path, inputs: tuple[Path, ...]) -> None:
    """OUT inside a folder being graded would be taken for a student by the next run."""
    target = out.resolve()
    for path in inputs:
        folder = path.resolve()
        if path.is_dir() and (target == folder or target.is_relative_to(folder)):
            _fail(
                f"--out {out} is inside {path}, which is being graded; its results would be "
                f"taken for a student next time. Choose a folder outside {path}"
            )


def _fail(message: str, code: int = 2) -> NoReturn:
    console.print(f"[red]error: {_safe(message)}", soft_wrap=True)
    sys.exit(code)


@main.command()
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Write into a folder that is not empty.")
def release(out: Path, force: bool) -> None:
    """Write the student bundle to OUT: stubs, notebooks, public tests, quiz, student wheel."""
    from autograder.authoring.release import ReleaseRefused, assert_clean_bundle, build_release
    from autograder.authoring.wheel import WheelError, build_student_wheel
    from autograder.course.paths import course

    try:
        files = build_release(course(), out, force=force)
    except ReleaseRefused as exc:
        _fail(str(exc))
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
    from autograder.course.paths import course
    from autograder.export.gradescope import build_gradescope_zip

    console.print(f"wrote {build_gradescope_zip(course(), out)}")


@export.command("otter")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
def export_otter(out: Path) -> None:
    """An otter-assign master notebook (solutions and tests) in OUT."""
    from autograder.course.paths import course
    from autograder.export.otter import build_otter_master

    console.print(f"wrote {build_otter_master(course(), out)}")


# ---------------------------------------------------------------- TA workspace

T = TypeVar("T")

OutDir = click.Path(exists=True, file_okay=False, path_type=Path)


@main.command()
@click.argument("out", type=OutDir)
@click.argument("submission")
@click.option("--test", "test_id", default=None, help="A hidden test's stable id.")
@click.option("--question", "question_id", default=None, help="A quiz question's id.")
@click.option("--points", type=click.FloatRange(min=0), required=True,
              help="The points this test or question earns from now on.")
@click.option("--comment", required=True, help="Why; shown in the student's report.")
@click.option("--by", "author", default=lambda: os.environ.get("USER", "TA"),
              help="Who decided (default: $USER).")
def adjust(out: Path, submission: str, test_id: str | None, question_id: str | None,
           points: float, comment: str, author: str) -> None:
    """Store a manual adjustment of one test or question of SUBMISSION in OUT's database."""
    from autograder.workspace.apply import adjust as store_adjustment

    if (test_id is None) == (question_id is None):
        raise click.UsageError("give exactly one of --test ID or --question ID")
    kind = "test" if test_id is not None else "question"
    try:
        done = store_adjustment(out, submission, kind, test_id or question_id or "", points,
                                comment, author)
    except (KeyError, ValueError) as exc:
        console.print(f"[red]{_safe(str(exc.args[0] if exc.args else exc))}")
        sys.exit(1)
    console.print(_safe(f"stored: {done.target} of {submission} earns {points:g} points; "
                         f"run `convgrade report {out}` to update reports and the gradebook"))


@main.command()
@click.argument("out", type=OutDir)
@click.option("--port", type=click.IntRange(0, 65535), default=0,
              help="Port to listen on (default: a free one).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on; anything but 127.0.0.1 exposes the app.")
def serve(out: Path, port: int, host: str) -> None:
    """The TA web app over OUT: class table, submissions, misconceptions, similarity."""
    from autograder.workspace.web import serve as run

    _require_results(out, "serve")

    def announce(url: str) -> None:
        click.echo(f"open {url}", nl=True)
        sys.stdout.flush()

    try:
        run(out, host=host, port=port, announce=announce)
    except KeyboardInterrupt:
        console.print("stopped")  # Ctrl-C is how a TA ends the app, not an error


@main.command()
@click.argument("out", type=OutDir)
@click.option("--submissions", "class_dir", type=click.Path(exists=True, path_type=Path),
              default=None, help="Read the code from this class folder, not from OUT/sources.")
def similarity(out: Path, class_dir: Path | None) -> None:
    """Rank every pair of OUT's submissions by shared code of their own (for review only)."""
    from autograder.course.paths import course
    from autograder.workspace.similarity import FLAG_SCORE, write_similarity
    from autograder.workspace.sources import load_class_sources

    code = load_class_sources(out, class_dir)
    if len(code) < 2:
        console.print(f"[red]need the code of at least two submissions; found {len(code)} "
                      f"(grade them again, or give --submissions CLASS_DIR)")
        sys.exit(1)
    analysis = write_similarity(out, code, course())
    flagged = sum(p.score >= FLAG_SCORE for p in analysis.pairs)
    console.print(f"compared {len(code)} submissions: {flagged} pair(s) flagged for review; "
                  f"wrote {out / 'similarity' / 'pairs.csv'} and index.html")


def _csv_input(read: Callable[..., T], *args: object) -> T:
    """Call ``read``; a malformed CSV is a usage error naming file and line."""
    try:
        return read(*args)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc


@main.command()
@click.argument("out", type=OutDir)
@click.argument("roster_csv", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def roster(out: Path, roster_csv: Path) -> None:
    """Load the class roster (and its extension_days column) into OUT's database."""
    from autograder.workspace.roster import import_roster

    students, extensions = _csv_input(import_roster, out, roster_csv)
    console.print(f"stored {students} students and {extensions} extensions")


@main.command()
@click.argument("out", type=OutDir)
@click.argument("times_csv", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def times(out: Path, times_csv: Path) -> None:
    """Load submission times from the LMS (columns submission,submitted_at) for the late policy."""
    from autograder.workspace.roster import import_times

    console.print(f"stored {_csv_input(import_times, out, times_csv)} submission times")


def _export_grades(kind: str, out: Path, target: Path, roster_csv: Path) -> None:
    from autograder.workspace.lms_export import export_canvas, export_generic
    from autograder.workspace.roster import read_roster

    _require_results(out, "export")

    entries = _csv_input(read_roster, roster_csv).entries
    done = (export_canvas if kind == "canvas" else export_generic)(out, target, entries)
    for sid in done.not_on_roster:
        console.print(f"[yellow]not on the roster (listed without an id): {_safe(sid)}")
    for sid in done.without_submission:
        console.print(f"[yellow]no submission (listed with an empty grade): {_safe(sid)}")
    console.print(f"wrote {done.rows} rows to {target}")


RosterOption = click.option(
    "--roster", "roster_csv", required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV with at least submission,name,student_id.",
)


@export.command("canvas")
@click.argument("out", type=OutDir)
@click.argument("target", type=PathArg)
@RosterOption
def export_canvas(out: Path, target: Path, roster_csv: Path) -> None:
    """Canvas's gradebook import CSV of OUT's grades (adjustments and late penalties applied)."""
    _export_grades("canvas", out, target, roster_csv)


@export.command("grades")
@click.argument("out", type=OutDir)
@click.argument("target", type=PathArg)
@RosterOption
def export_grades(out: Path, target: Path, roster_csv: Path) -> None:
    """A generic CSV of OUT's grades keyed by the roster's student id."""
    _export_grades("grades", out, target, roster_csv)
