"""The instructor's course verbs: ``release`` the student bundle, ``export`` the course."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from autograder.cli.app import PathArg, console, export, fail, main, safe


@main.command()
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Write into a folder that is not empty.")
def release(out: Path, force: bool) -> None:
    """Write the student bundle to OUT: stubs, notebooks, public tests, quiz, student wheel."""
    from autograder.authoring.leaks import assert_clean_bundle
    from autograder.authoring.release import ReleaseRefused, build_release
    from autograder.authoring.wheel import WheelError, build_student_wheel
    from autograder.course.paths import course

    try:
        files = build_release(course(), out, force=force)
    except ReleaseRefused as exc:
        fail(str(exc))
    try:  # the wheel students install is searched with the bundle
        files.append(build_student_wheel(out / "wheels", readme=out / "README.md"))
    except WheelError as exc:
        console.print(f"[red]{safe(exc)}")
        sys.exit(1)
    leaks = assert_clean_bundle(out, course())
    for leak in leaks:
        console.print(f"[red]leak: {safe(leak)}")
    console.print(f"wrote {len(files)} files to {out}")
    sys.exit(1 if leaks else 0)



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

