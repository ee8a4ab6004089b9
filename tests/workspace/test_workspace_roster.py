"""The roster and submission-time CSVs from the LMS."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from autograder.workspace.roster import file_time, read_roster, read_times


def test_roster_with_extensions(tmp_path: Path):
    """Roster rows become entries, and a filled extension_days column an extension."""
    path = tmp_path / "roster.csv"
    path.write_text("submission,name,student_id,section,canvas_id,extension_days\n"
                    "ann,Ann A,11,S1,901,\nbob,Bob B,12,S2,,1.5\n")
    roster = read_roster(path)
    assert [(e.submission, e.name, e.student_id, e.section, e.canvas_id)
            for e in roster.entries] == [("ann", "Ann A", "11", "S1", "901"),
                                         ("bob", "Bob B", "12", "S2", "")]
    assert [(x.submission, x.days) for x in roster.extensions] == [("bob", 1.5)]


@pytest.mark.parametrize("text, message", [
    ("submission,name\nann,Ann\n", "student_id"),
    ("submission,name,student_id\nann,A,1\nann,B,2\n", "listed twice"),
    ("submission,name,student_id,extension_days\nann,A,1,soon\n", ":2: extension_days"),
])
def test_bad_roster_is_named(tmp_path: Path, text: str, message: str):
    """A missing column, a duplicate or a bad number is an error naming it."""
    path = tmp_path / "roster.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        read_roster(path)


def test_lms_times(tmp_path: Path):
    """Times with a zone are converted to UTC; times without one are UTC."""
    path = tmp_path / "times.csv"
    path.write_text("submission,submitted_at\na,2026-03-01T10:00:00+02:00\nb,2026-03-01T10:00\n")
    assert read_times(path) == {"a": datetime(2026, 3, 1, 8, tzinfo=UTC),
                                "b": datetime(2026, 3, 1, 10, tzinfo=UTC)}


def test_bad_time_is_named(tmp_path: Path):
    """An unreadable time names its line."""
    path = tmp_path / "times.csv"
    path.write_text("submission,submitted_at\na,yesterday\n")
    with pytest.raises(ValueError, match=":2:"):
        read_times(path)


def test_file_time_is_newest_inside_folder(tmp_path: Path):
    """A folder's time is its newest file's modification time."""
    (tmp_path / "a.py").write_text("")
    (tmp_path / "b.py").write_text("")
    os.utime(tmp_path / "a.py", (1_700_000_000, 1_700_000_000))
    os.utime(tmp_path / "b.py", (1_800_000_000, 1_800_000_000))
    assert file_time(tmp_path) == datetime.fromtimestamp(1_800_000_000, UTC)
