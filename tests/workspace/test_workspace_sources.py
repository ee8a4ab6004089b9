"""Graded submissions' code and history kept in OUT for the TA workspace."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from workspace_samples import CONV_OK, sample_result

from autograder.reporting.store import read_result
from autograder.run import bulk
from autograder.workspace import store
from autograder.workspace.apply import adjust
from autograder.workspace.schema import open_db
from autograder.workspace.sources import load_class_sources, read_sources, record_graded


def _submission(root: Path, sid: str) -> Path:
    folder = root / sid
    folder.mkdir(parents=True)
    (folder / "convolution.py").write_text(CONV_OK)
    (folder / "notes.txt").write_text("not code")
    os.utime(folder / "convolution.py", (1_800_000_000, 1_800_000_000))
    return folder


def _fake_graded_class(root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Folders ann and bob, graded without running anything (bob's conv_forward fails)."""
    for sid in ("ann", "bob"):
        _submission(root, sid)
    monkeypatch.setattr(bulk, "_stream", lambda todo, *_: iter(
        sample_result(job.id, flipped=job.id == "bob") for job in todo))
    return root


def test_record_graded_keeps_code_time_and_attempt(tmp_path: Path):
    """A graded submission's modules, file time and result are kept in OUT."""
    path = _submission(tmp_path / "class", "ann")
    out = tmp_path / "out"
    record_graded(out, path, sample_result("ann"))
    assert read_sources(out, "ann") == {"convolution.py": CONV_OK}
    engine = open_db(out)
    assert store.submitted_at(engine)["ann"].timestamp() == 1_800_000_000
    assert [a.score for a in store.attempts(engine, "ann")] == [8.0]


def test_bulk_run_records_each_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """`grade` keeps every fresh result's code through its one hook in the bulk run."""
    root = _fake_graded_class(tmp_path / "class", monkeypatch)
    bulk.grade_paths([root], tmp_path / "out")
    assert sorted(load_class_sources(tmp_path / "out")) == ["ann", "bob"]
    assert [a.score for a in store.attempts(open_db(tmp_path / "out"), "bob")] == [4.0]


def test_class_folder_instead_of_kept_code(tmp_path: Path):
    """Given a class folder, the code is read from the submissions themselves."""
    root = tmp_path / "class"
    _submission(root, "ann")
    _submission(root, "bob")
    code = load_class_sources(tmp_path / "out", root)
    assert code == {"ann": {"convolution.py": CONV_OK}, "bob": {"convolution.py": CONV_OK}}
    assert load_class_sources(tmp_path / "out") == {}


def test_bookkeeping_failure_does_not_stop_grading(tmp_path: Path):
    """A submission path that vanished is logged, not raised."""
    record_graded(tmp_path / "out", tmp_path / "gone", sample_result("gone"))
    assert not (tmp_path / "out" / "sources" / "gone").exists()


def test_regrade_shows_earlier_decisions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """After `grade --regrade`, report and gradebook already show the TA's adjustment."""
    root = _fake_graded_class(tmp_path / "class", monkeypatch)
    out = tmp_path / "out"
    bulk.grade_paths([root], out)
    adjust(out, "bob", "test", "convolution.conv_forward[random]", 4, "our typo", "kim")
    bulk.grade_paths([root], out, regrade=True)
    assert "our typo" in (out / "reports" / "bob.md").read_text()
    assert "bob,8,8," in (out / "gradebook.csv").read_text()
    assert read_result(out / "results" / "bob.json")["score"] == 4


def test_bad_course_config_never_stops_grading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A malformed course.toml leaves grading to finish with automatic scores."""
    root = _fake_graded_class(tmp_path / "class", monkeypatch)
    out = tmp_path / "out"
    out.mkdir()
    (out / "course.toml").write_text("[late]\n")
    summary = bulk.grade_paths([root], out)
    assert summary.missing == [] and "bob,4,8," in (out / "gradebook.csv").read_text()
