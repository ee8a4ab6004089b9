"""The TA workspace verbs: adjustments, the web app, similarity, roster, LMS exports."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from autograder.cli.app import (
    OutDir,
    PathArg,
    console,
    csv_input,
    export,
    main,
    require_results,
    safe,
)


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
        console.print(f"[red]{safe(str(exc.args[0] if exc.args else exc))}")
        sys.exit(1)
    console.print(safe(f"stored: {done.target} of {submission} earns {points:g} points; "
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

    require_results(out, "serve")

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



@main.command()
@click.argument("out", type=OutDir)
@click.argument("roster_csv", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def roster(out: Path, roster_csv: Path) -> None:
    """Load the class roster (and its extension_days column) into OUT's database."""
    from autograder.workspace.roster import import_roster

    students, extensions = csv_input(import_roster, out, roster_csv)
    console.print(f"stored {students} students and {extensions} extensions")


@main.command()
@click.argument("out", type=OutDir)
@click.argument("times_csv", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def times(out: Path, times_csv: Path) -> None:
    """Load submission times from the LMS (columns submission,submitted_at) for the late policy."""
    from autograder.workspace.roster import import_times

    console.print(f"stored {csv_input(import_times, out, times_csv)} submission times")


def _export_grades(kind: str, out: Path, target: Path, roster_csv: Path) -> None:
    from autograder.workspace.lms_export import export_canvas, export_generic
    from autograder.workspace.roster import read_roster

    require_results(out, "export")

    entries = csv_input(read_roster, roster_csv).entries
    done = (export_canvas if kind == "canvas" else export_generic)(out, target, entries)
    for sid in done.not_on_roster:
        console.print(f"[yellow]not on the roster (listed without an id): {safe(sid)}")
    for sid in done.without_submission:
        console.print(f"[yellow]no submission (listed with an empty grade): {safe(sid)}")
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
