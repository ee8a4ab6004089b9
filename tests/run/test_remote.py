"""Grading on a real dask.distributed cluster (scheduler and worker on loopback)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sample_submissions import mistaken_submission, reference_submission, stub_submission

from autograder.grading.plugin import GradingOptions
from autograder.grading.worker import WorkerSettings
from autograder.run.bulk import grade_paths

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
    settings = WorkerSettings(options=GradingOptions(train_models=False))
    remote = grade_paths([submissions], tmp_path / "remote", settings=settings,
                         dask_address=cluster)
    local = grade_paths([submissions], tmp_path / "local",
                        settings=WorkerSettings(options=GradingOptions(train_models=False)))
    assert remote.missing == [] and sorted(remote.graded) == ["ann", "ben", "cat"]
    assert sorted(local.graded) == sorted(remote.graded)
    assert _comparable(tmp_path / "remote") == _comparable(tmp_path / "local")
    assert _comparable(tmp_path / "remote")["ann"]["isolation"] == "full"
