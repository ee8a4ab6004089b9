"""Graded submissions' code and history kept in OUT for the TA workspace."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from workspace_samples import CONV_OK, sample_result

from autograder import bulk
from autograder.workspace import store
from autograder.workspace.schema import open_db
from autograder.workspace.sources import load_class_sources, read_sources, record_graded


def _submission(root: Path, sid: str) -> Path:
    folder = root / sid
    folder.mkdir(parents=True)
    (folder / "convolution.py").write_text(CONV_OK)
    (folder / "notes.txt").write_text("not code")
    os.utime(folder / "convolution.py", (1_800_000_000, 1_800_000_000))
    return folder


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
    root = tmp_path / "class"
    for sid in ("ann", "bob"):
        _submission(root, sid)
    monkeypatch.setattr(bulk, "_stream", lambda todo, *_: iter(
        sample_result(p.name, flipped=p.name == "bob") for p in todo))
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
