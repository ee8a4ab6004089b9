"""Bulk runs: resumable, crash-safe, interruptible; one result per submission."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sample_submissions import reference_submission, stub_submission

from autograder.course.paths import OutputLayout
from autograder.run.bulk import grade_paths, plan
from autograder.settings import Settings


def _class(root: Path, count: int) -> Path:
    root.mkdir()
    for index in range(count):
        maker = reference_submission if index % 2 == 0 else stub_submission
        maker(root, f"s{index:02d}")
    return root


def _grade_command(submissions: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "autograder", "grade", str(submissions), "--out", str(out),
            "--no-train", *extra]


def _results(out: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in (out / "results").glob("*.json")}


def _wait_for_results(out: Path, count: int, process: subprocess.Popen, limit: float) -> None:
    deadline = time.monotonic() + limit
    while len(list((out / "results").glob("*.json"))) < count:
        assert process.poll() is None, "the run ended before it could be interrupted"
        assert time.monotonic() < deadline, "no results appeared in time"
        time.sleep(0.2)


def test_plan_skips_graded_unless_regrade(tmp_path: Path):
    """Already graded submissions are skipped, and regraded on request."""
    submissions = _class(tmp_path / "class", 3)
    layout = OutputLayout(tmp_path / "out")
    layout.ensure()
    layout.result("s01").write_text(json.dumps({"submission": "s01"}))
    planned = plan([submissions], layout, regrade=False)
    assert [j.id for j in planned.todo] == ["s00", "s02"] and planned.skipped == ["s01"]
    planned = plan([submissions], layout, regrade=True)
    assert len(planned.todo) == 3 and planned.skipped == [] and planned.warnings == []


def test_plan_warns_about_a_duplicate_id(tmp_path: Path):
    """A zip and a folder with one id: both are graded, under distinct ids, with a warning."""
    submissions = _class(tmp_path / "class", 2)
    shutil.make_archive(str(submissions / "s00"), "zip", submissions / "s00")
    layout = OutputLayout(tmp_path / "out")
    planned = plan([submissions], layout, regrade=False)
    assert [(j.path.name, j.id) for j in planned.todo] == [
        ("s00", "s00"), ("s00.zip", "s00-zip"), ("s01", "s01")]
    assert len(planned.warnings) == 1 and "s00.zip" in planned.warnings[0]


@pytest.mark.needs_root
def test_bulk_grading_with_two_workers_writes_everything(tmp_path: Path):
    """Two warm workers grade a class; every file of the run is written."""
    submissions = _class(tmp_path / "class", 4)
    settings = Settings.from_limits(train_models=False)
    summary = grade_paths([submissions], tmp_path / "out", settings=settings, workers=2)
    results = _results(tmp_path / "out")
    assert sorted(results) == ["s00", "s01", "s02", "s03"] and summary.missing == []
    assert results["s00"]["score"] == results["s00"]["max_score"]
    assert results["s01"]["score"] == 0
    rows = (tmp_path / "out" / "gradebook.csv").read_text().splitlines()
    assert rows[0].startswith("submission,score,max_score") and len(rows) == 5
    assert (tmp_path / "out" / "reports" / "s03.html").exists()


@pytest.mark.needs_root
@pytest.mark.slow
def test_killed_run_resumes_with_exactly_one_result_each(tmp_path: Path):
    """SIGKILL mid-run, run again: one whole result per submission, none lost."""
    submissions = _class(tmp_path / "class", 6)
    out = tmp_path / "out"
    command = _grade_command(submissions, out, "--workers", "2")
    first = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    _wait_for_results(out, 2, first, limit=180)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    partial = _results(out)
    assert 2 <= len(partial) < 6
    second = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    results = _results(out)
    assert sorted(results) == [f"s{i:02d}" for i in range(6)]
    for sid in partial:  # finished results were kept, not graded again
        assert results[sid] == partial[sid]
    leftovers = [p.name for p in (out / "results").iterdir() if p.suffix != ".json"]
    assert leftovers == []


@pytest.mark.needs_root
@pytest.mark.slow
def test_ctrl_c_stops_cleanly_and_keeps_finished_results(tmp_path: Path):
    """SIGINT ends the run with exit 130, whole results and a gradebook."""
    submissions = _class(tmp_path / "class", 8)
    out = tmp_path / "out"
    run = subprocess.Popen(_grade_command(submissions, out, "--workers", "1"),
                           start_new_session=True, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    _wait_for_results(out, 1, run, limit=180)
    os.killpg(run.pid, signal.SIGINT)
    _, stderr = run.communicate(timeout=60)
    assert run.returncode == 130, stderr
    assert "run the same command again" in stderr
    for data in _results(out).values():
        assert data["max_score"] > 0
    assert (out / "gradebook.csv").exists()


@pytest.mark.needs_root
@pytest.mark.slow
def test_training_outcomes_are_shared_through_the_output_folder(tmp_path: Path):
    """A regrade in a new process finds every model's training in OUT/cache, not retrained."""
    submission = reference_submission(tmp_path / "class", "ann")
    out = tmp_path / "out"
    grade_paths([submission], out)
    first = _results(out)["ann"]
    assert len(list((out / "cache" / "training").glob("*.json"))) == 3
    command = [sys.executable, "-m", "autograder", "grade", str(submission), "--out", str(out),
               "--regrade", "--workers", "1"]
    assert subprocess.run(command, capture_output=True, timeout=300).returncode == 0
    second = _results(out)["ann"]

    def memo(result: dict) -> list:
        return [t["details"]["properties"]["memo_hit"] for t in result["tests"]
                if "memo_hit" in t.get("details", {}).get("properties", {})]

    assert memo(first) == [False] * 3 and memo(second) == [True] * 3
    assert second["score"] == first["score"] == first["max_score"]
