"""The student's verbs: ``check`` work against the public tests, ``submit`` it as a zip."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from autograder.cli.app import PathArg, console, fail, main, safe, stdout


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
        fail(missing_path_hint(path, Path.cwd()))
    try:
        report_ = run_check(path, include_model=model, only=only)
    except ValueError as exc:  # --only names nothing
        raise click.UsageError(str(exc)) from exc
    stdout.print(check_table(report_))
    if not report_.rows:
        fail(f"no exercise files or notebooks were found in {path}")
    sys.exit(0 if report_.all_passed else 1)


@main.command()
@click.argument("path", required=False, default=".", type=PathArg)
@click.option("--out", type=PathArg, default=Path("submission.zip"), show_default=True)
@click.option("--force", is_flag=True, help="Write the zip even when nothing is implemented.")
def submit(path: Path, out: Path, force: bool) -> None:
    """Pack your work at PATH into a submission zip and validate it like the grader."""
    from autograder.student.submit import build_submission_zip, work_root

    if not path.exists():
        fail(f"{path} does not exist; run `convgrade submit` in the folder holding your work")
    source = work_root(path) if path.is_dir() else path
    result = build_submission_zip(source, out, force=force)
    for line in result.sources:
        console.print(f"graded from: {safe(line)}")
    for warning in result.warnings:
        console.print(f"[yellow]warning: {safe(warning)}")
    for problem in result.problems:
        console.print(f"[red]problem: {safe(problem)}")
    if result.written:
        console.print(f"wrote {safe(result.path)} ({safe(', '.join(result.files))})")
    sys.exit(1 if result.problems or not result.written else 0)

