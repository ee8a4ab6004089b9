"""Grades out to Canvas and to a generic CSV keyed by student id."""

from __future__ import annotations

import csv
from pathlib import Path

from workspace_samples import graded_class

from autograder.workspace.apply import adjust
from autograder.workspace.lms_export import CANVAS_COLUMNS, export_canvas, export_generic
from autograder.workspace.store import RosterEntry

ROSTER = [RosterEntry("ann", "Ann A", "11", "ann@u", "S1", canvas_id="901"),
          RosterEntry("dan", "Dan D", "14", "dan@u", "S2")]


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="") as handle:
        return list(csv.reader(handle))


def test_canvas_lists_everyone(tmp_path: Path):
    """Canvas rows: roster students (blank without a submission), then unmatched ones."""
    graded_class(tmp_path, {"ann": False, "bob": True})
    (tmp_path / "course.toml").write_text('[assignment]\nname = "CNN (123)"\n')
    done = export_canvas(tmp_path, tmp_path / "canvas.csv", ROSTER)
    rows = _rows(tmp_path / "canvas.csv")
    assert rows[0] == [*CANVAS_COLUMNS, "CNN (123)"]
    assert rows[1][0] == "Points Possible" and rows[1][-1] == "8"
    assert rows[2] == ["Ann A", "901", "11", "ann@u", "S1", "8"]
    assert rows[3] == ["Dan D", "", "14", "dan@u", "S2", ""]
    assert rows[4][0] == "(not on roster) bob" and rows[4][-1] == "4"
    assert (done.not_on_roster, done.without_submission) == (["bob"], ["dan"])


def test_canvas_uses_adjusted_score(tmp_path: Path):
    """The exported grade is the one after TA adjustments."""
    graded_class(tmp_path, {"ann": True})
    adjust(tmp_path, "ann", "test", "convolution.conv_forward[random]", 4, "ok", "kim")
    export_canvas(tmp_path, tmp_path / "canvas.csv", ROSTER[:1])
    assert _rows(tmp_path / "canvas.csv")[2][-1] == "8"


def test_generic_csv_keyed_by_student_id(tmp_path: Path):
    """The generic CSV has a status per row and every score column."""
    graded_class(tmp_path, {"ann": False, "bob": True})
    export_generic(tmp_path, tmp_path / "grades.csv", ROSTER)
    with (tmp_path / "grades.csv").open(newline="") as handle:
        rows = {r["submission"]: r for r in csv.DictReader(handle)}
    assert rows["ann"]["student_id"] == "11" and rows["ann"]["status"] == "graded"
    assert rows["dan"]["status"] == "no submission" and rows["dan"]["score"] == ""
    assert rows["bob"]["status"] == "not on roster" and rows["bob"]["convolution"] == "2"
