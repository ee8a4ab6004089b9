"""One Settings object: the same defaults from the CLI, the API and a Dask task."""

from __future__ import annotations

import pickle
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import dask.distributed
import pytest
from click.testing import CliRunner
from sample_submissions import stub_submission

from autograder.cli import main
from autograder.grading import worker as worker_module
from autograder.run import bulk, remote
from autograder.settings import GRACE_SECONDS, Settings


@pytest.fixture
def captured_cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Run ``convgrade grade`` with extra flags; return the Settings it handed to the API."""
    seen: list[Settings] = []

    def grade_paths(inputs: Any, out: Path, *, settings: Settings, **_: Any) -> Any:
        seen.append(settings)
        raise SystemExit(0)  # grading itself is tested elsewhere

    monkeypatch.setattr(bulk, "grade_paths", grade_paths)
    submission = stub_submission(tmp_path / "class", "ann")

    def run(*flags: str) -> Settings:
        args = ["grade", str(submission), "--out", str(tmp_path / "out"), *flags]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        return seen[-1]

    return run


def test_the_command_line_builder_without_arguments_is_the_default():
    """Settings.from_limits() (the CLI's builder) equals Settings(), derived limits included."""
    built = Settings.from_limits()
    assert built == Settings()
    assert built.sandbox.cpu_seconds_per_call == int(built.sandbox.call_timeout)
    assert built.submission_limit == built.sandbox.submission_seconds + GRACE_SECONDS


def test_grade_without_flags_grades_with_the_default_settings(captured_cli):
    """`convgrade grade` with no limit flag hands the API exactly Settings()."""
    assert captured_cli() == Settings()


def test_grade_paths_without_settings_uses_the_default(monkeypatch, tmp_path: Path):
    """grade_paths(settings=None) grades with Settings(), plus only its own output paths."""
    seen: list[Settings] = []
    monkeypatch.setattr(bulk, "_stream", lambda todo, settings, *_: seen.append(settings) or [])
    out = tmp_path / "out"
    bulk.grade_paths([stub_submission(tmp_path / "class", "ann")], out)
    (used,) = seen
    assert used.hidden_paths == (out.resolve(),)
    assert used.options.cache_dir == (out / "cache" / "training").resolve()
    assert replace(used, hidden_paths=(), options=replace(used.options, cache_dir=None)) == (
        Settings()
    )


class _Future:
    def __init__(self, sid: str) -> None:
        self.sid = sid

    def result(self) -> dict[str, Any]:
        return {"submission": self.sid, "score": 0.0, "max_score": 1.0, "tests": []}


class _Client:
    """Stands in for a dask Client: records each task's arguments."""

    tasks: ClassVar[list[tuple[Any, ...]]] = []

    def __init__(self, address: str, **_: Any) -> None:
        self.loop = None

    def __enter__(self) -> _Client:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def submit(self, function: Any, *args: Any, **_: Any) -> _Future:
        self.tasks.append((function, *args))
        return _Future(args[0].id)


def test_a_dask_task_carries_the_default_settings(monkeypatch, tmp_path: Path):
    """Each Dask task gets Settings() itself when the run gives none (nothing of the caller's)."""
    monkeypatch.setattr(dask.distributed, "Client", _Client)
    monkeypatch.setattr(dask.distributed, "as_completed", lambda futures, loop: list(futures))
    monkeypatch.setattr(_Client, "tasks", [])
    summary = bulk.grade_paths([stub_submission(tmp_path / "class", "ann")], tmp_path / "out",
                               dask_address="tcp://127.0.0.1:1")
    assert summary.graded == ["ann"]
    ((function, submission, settings),) = _Client.tasks
    assert function is remote._grade_remote and submission.id == "ann"
    assert settings == Settings()
    assert pickle.loads(pickle.dumps(settings)) == settings  # as it travels to a worker


def test_the_training_budget_flag_reaches_the_model_child(captured_cli, monkeypatch):
    """--training-timeout sets the limit a warm grader's model lab trains under, once set to it."""
    settings = captured_cli("--training-timeout", "7", "--timeout", "3")
    assert settings.models.training_seconds == 7.0
    assert settings.sandbox.call_timeout == 3.0 and settings.sandbox.cpu_seconds_per_call == 3
    assert replace(settings, models=Settings().models, sandbox=Settings().sandbox) == Settings()

    class Zygote:  # the grader only hands it to sandboxes, and none is started here
        def start(self) -> None:
            return None

        def close(self) -> None:
            return None

    monkeypatch.setattr(worker_module, "Zygote", Zygote)
    monkeypatch.setattr(worker_module, "probe_sandbox", lambda *_: None)  # nothing to start
    # Loading the reference and collecting the graders import Keras: not needed here.
    loaded = SimpleNamespace(modules={}, errors={})
    monkeypatch.setattr(worker_module, "load_module_group", lambda *_: loaded)
    monkeypatch.setattr(worker_module, "collect_plan", list)
    with worker_module.GraderWorker(Settings()) as warm:
        zygote, before = warm.zygote, warm.state.models
        warm.reconfigure(settings)
        lab = warm.state.models
        assert lab is not before and lab is not None and lab.limits.training_seconds == 7.0
        assert warm.sandbox_config.call_timeout == 3.0 and warm.zygote is zygote
        assert set(warm.layout.secret_paths()) <= set(warm.sandbox_config.hidden_paths)


def test_a_warm_dask_worker_grades_a_later_run_with_that_runs_settings(monkeypatch):
    """A task with other settings than the warm grader's sets the grader to them first."""
    built: list[Any] = []

    class Worker:
        def __init__(self, settings: Settings, *, slot: int) -> None:
            self.settings = settings
            built.append(self)

        def reconfigure(self, settings: Settings) -> None:
            self.settings = settings

    def attempt(worker: Worker, submission: Any, sid: str) -> float:
        return worker.settings.sandbox.call_timeout

    monkeypatch.setattr(remote, "GraderWorker", Worker)
    monkeypatch.setattr(remote, "attempt", attempt)
    monkeypatch.setattr(remote, "_WORKER", None)
    job = SimpleNamespace(id="ann")
    first, second = Settings(), Settings.from_limits(call_timeout=2.0)
    graded = [remote._grade_remote(job, s) for s in (first, first, second, first)]
    assert graded == [10.0, 10.0, 2.0, 10.0]
    assert len(built) == 1  # one warm grader for every run
