"""Grading on a real dask.distributed cluster (scheduler and worker on loopback)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sample_submissions import (
    hanging_submission,
    mistaken_submission,
    reference_submission,
    stub_submission,
)

from autograder.run.bulk import grade_paths
from autograder.settings import Settings

DASK = Path(sys.executable).with_name("dask")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A scheduler and one single-threaded worker process, on 127.0.0.1 only."""
    folder = tmp_path_factory.mktemp("cluster")
    scheduler_file = folder / "scheduler.json"
    common = ["--no-dashboard"]
    scheduler = subprocess.Popen(
        [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0",
         "--scheduler-file", str(scheduler_file), *common],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    worker = subprocess.Popen(
        [str(DASK), "worker", "--scheduler-file", str(scheduler_file), "--host", "127.0.0.1",
         "--nworkers", "1", "--nthreads", "1", *common],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=folder,
    )
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists():
            assert time.monotonic() < deadline, "the scheduler did not start"
            time.sleep(0.2)
        yield json.loads(scheduler_file.read_text())["address"]
    finally:
        for process in (worker, scheduler):
            process.terminate()
        for process in (worker, scheduler):
            process.wait(timeout=30)


def _comparable(out: Path) -> dict[str, dict]:
    results = {}
    for path in sorted((out / "results").glob("*.json")):
        data = json.loads(path.read_text())
        data.pop("execution_time")
        results[path.stem] = data
    return results


@pytest.mark.needs_namespaces
@pytest.mark.slow
def test_dask_run_gives_the_same_results_as_a_local_run(cluster: str, tmp_path: Path):
    """The same class graded on the cluster and locally yields identical result files."""
    submissions = tmp_path / "class"
    submissions.mkdir()
    reference_submission(submissions, "ann")
    stub_submission(submissions, "ben")
    mistaken_submission(submissions, "cat", "kernel-flipped", "off-by-one")
    settings = Settings.from_limits(train_models=False)
    remote = grade_paths([submissions], tmp_path / "remote", settings=settings,
                         dask_address=cluster)
    local = grade_paths([submissions], tmp_path / "local",
                        settings=Settings.from_limits(train_models=False))
    assert remote.missing == [] and sorted(remote.graded) == ["ann", "ben", "cat"]
    assert sorted(local.graded) == sorted(remote.graded)
    assert _comparable(tmp_path / "remote") == _comparable(tmp_path / "local")
    assert _comparable(tmp_path / "remote")["ann"]["isolation"] == "full"


def _zero_pad_output(out: Path) -> str:
    result = json.loads((out / "results" / "hangs.json").read_text())
    return " ".join(t["output"] for t in result["tests"] if "zero_pad" in t["output"])


@pytest.mark.slow
def test_a_warm_worker_grades_a_second_run_with_its_own_call_timeout(cluster: str,
                                                                     tmp_path: Path):
    """Two runs on one dask worker, with 1 s then 2 s per call: each hang is cut at its own."""
    submission = hanging_submission(tmp_path / "class", "hangs")
    for seconds in (1, 2):
        out = tmp_path / f"out{seconds}"
        settings = Settings.from_limits(call_timeout=seconds, train_models=False)
        summary = grade_paths([submission], out, settings=settings, dask_address=cluster)
        assert summary.timeouts == ["hangs"]
        assert re.search(rf"zero_pad (did not finish within|used more than) {seconds} s",
                         _zero_pad_output(out))
