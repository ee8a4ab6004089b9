"""The sandbox's walls: plain data only, captured output, an allow-list root, no network, limits."""

from __future__ import annotations

import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sandbox_helpers import SLOT, bound_names, write_student

from autograder.course.paths import course
from autograder.sandbox.probe import probe_sandbox
from autograder.sandbox.proxy import (
    BadReturn,
    CallTimeout,
    KerasModelData,
    MissingCode,
    StudentRaised,
)
from autograder.sandbox.session import SandboxConfig, Session, Zygote

# Every test runs student code in the sandbox; those marked needs_namespaces check the
# walls of full isolation (the session fixture's scratch is a private tmpfs only there).
pytestmark = pytest.mark.needs_root

MODEL = """
import keras


def build(compiled=True):
    model = keras.Sequential([
        keras.Input((8, 8, 1)),
        keras.layers.Conv2D(4, 3, name="conv"),
        keras.layers.Flatten(),
        keras.layers.Dense(2, name="out"),
    ])
    if compiled:
        model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    return model
"""


@pytest.fixture(scope="module")
def zygote() -> Iterator[Zygote]:
    with Zygote() as warm:
        yield warm


@pytest.fixture
def secrets(tmp_path: Path) -> Path:
    """A folder standing in for the reference solutions and answer keys."""
    folder = tmp_path / "secrets"
    folder.mkdir()
    (folder / "keys.toml").write_text("q1 = 'b'\n")
    (tmp_path / "key-file.txt").write_text("the answer\n")
    return folder


@pytest.fixture
def session(zygote: Zygote, tmp_path: Path, secrets: Path) -> Iterator[Session]:
    scratch = write_student(tmp_path / "scratch")
    (scratch / "model.py").write_text(MODEL)
    (scratch / "params.py").write_text("x = 1\nraise ValueError('broken on purpose')\n")
    (scratch / "pooling.py").write_text("def f(:\n")
    hidden = (secrets, tmp_path / "key-file.txt", tmp_path / "out", *course().secret_paths())
    (tmp_path / "out").mkdir()
    config = SandboxConfig(call_timeout=5, output_bytes=1000, hidden_paths=hidden)
    with zygote.spawn(scratch, config, slot=SLOT) as sandboxed:
        yield sandboxed


@pytest.mark.needs_namespaces
def test_values_cross_as_plain_data(session):
    """Values come back as exact built-in types and arrays, and the isolation is full."""
    got = session.call("shapes", "echo", [1, (2.5, "x"), {"k": np.arange(3)}, None, True])
    assert got[:2] == [1, (2.5, "x")] and got[3:] == [None, True]
    np.testing.assert_array_equal(got[2]["k"], np.arange(3))
    assert session.call("shapes", "add", np.float32(1.5), 1) == 2.5
    assert session.isolation == "full"


@pytest.mark.needs_namespaces
@pytest.mark.parametrize("function", ["always_equal", "float_subclass", "array_subclass",
                                      "object_array"])
def test_objects_that_could_fool_a_comparison_are_refused(session, function):
    """An always-equal object, a float or ndarray subclass or an object array is a bad return."""
    with pytest.raises(BadReturn):
        session.call("shapes", function)
    assert session.call("shapes", "add", 2, 3) == 5


@pytest.mark.needs_namespaces
def test_keras_model_crosses_as_its_config(session):
    """A Keras model arrives as JSON config, compile config and a layer summary."""
    data = session.call("model", "build")
    assert isinstance(data, KerasModelData)
    assert '"Conv2D"' in data.config_json and '"Dense"' in data.config_json
    assert data.compile_config is not None and data.compile_config["loss"] == "mse"
    conv, flatten, dense = data.summary["layers"]
    assert conv == {"name": "conv", "class": "Conv2D", "output_shape": [None, 6, 6, 4],
                    "params": (3 * 3 * 1 + 1) * 4}
    assert flatten["output_shape"] == [None, 144] and dense["params"] == (144 + 1) * 2
    assert data.summary["params"] == 40 + 290
    assert session.call("model", "build", compiled=False).compile_config is None


@pytest.mark.needs_namespaces
def test_output_is_captured_per_call_and_never_reaches_the_grader(session, capfd):
    """Prints land in last_output for that call only, not on the grader's own streams."""
    assert session.call("shapes", "add", 1, 1) == 2
    assert session.last_output == "adding 1 1\n"
    assert session.call("shapes", "forge") == 0
    assert session.last_output.startswith('{"score": 100')
    assert session.call("shapes", "echo", 1) == 1 and session.last_output == ""
    captured = capfd.readouterr()
    assert "score" not in captured.out + captured.err and "adding" not in captured.out


@pytest.mark.needs_namespaces
def test_huge_output_is_truncated(session):
    """A hundred megabytes of printing is cut to the configured size with a marker."""
    assert session.call("shapes", "shout", 100) == "done"
    assert session.last_output.endswith("[... truncated]")
    assert len(session.last_output) <= 1000 + len("\n[... truncated]")


@pytest.mark.needs_namespaces
def test_missing_and_broken_code_is_missing_code(session):
    """A missing file, a missing function and a failing import are MissingCode with a reason."""
    with pytest.raises(MissingCode, match=r"convolution\.py is missing"):
        session.call("convolution", "conv_forward")
    with pytest.raises(MissingCode, match="no function nothing"):
        session.call("shapes", "nothing")
    with pytest.raises(MissingCode, match="ValueError: broken on purpose"):
        session.call("params", "count")
    with pytest.raises(MissingCode, match="syntax error on line 1"):
        session.call("pooling", "f")


@pytest.mark.needs_namespaces
def test_hidden_paths_cannot_be_read(zygote, tmp_path):
    """The reference, quizzes, graders and the rest of the course are simply not there."""
    scratch = write_student(tmp_path / "scratch")
    config = SandboxConfig(hidden_paths=tuple(course().secret_paths()))
    secrets = [course().reference / "convolution.py", course().quiz_questions,
               course().root / "pyproject.toml", course().root / "tests" / "conftest.py"]
    assert all(path.is_file() for path in secrets)
    with zygote.spawn(scratch, config, slot=SLOT) as sandboxed:
        for path in secrets:
            with pytest.raises(StudentRaised, match="FileNotFoundError"):
                sandboxed.call("shapes", "read", str(path))
        with pytest.raises(StudentRaised, match="FileNotFoundError"):
            sandboxed.call("shapes", "listdir", str(course().reference))
        # The package is there for the interpreter, its graders are not readable.
        root = course().root
        assert set(sandboxed.call("shapes", "listdir", str(root))) == bound_names(root)
        with pytest.raises(StudentRaised, match="PermissionError"):
            sandboxed.call("shapes", "read", str(course().graders / "__init__.py"))
        # The grader's own temporary folders are out of sight: /tmp is the scratch.
        (tmp_path / "grader-note.txt").write_text("private")
        with pytest.raises(StudentRaised, match="FileNotFoundError"):
            sandboxed.call("shapes", "read", str(tmp_path / "grader-note.txt"))
        listed = set(sandboxed.call("shapes", "listdir", "/tmp"))
        assert listed == {"shapes.py", *bound_names(Path("/tmp"))}


@pytest.mark.needs_namespaces
def test_only_scratch_is_writable(session, secrets, tmp_path):
    """A results file can be written in scratch only, and never reaches the host's disk."""
    assert session.call("shapes", "write", "results.json") == "/tmp/results.json"
    assert session.call("shapes", "read", "results.json") == '{"score": 100}'
    assert not (session.scratch / "results.json").exists()
    targets = [tmp_path / "out" / "results.json", secrets / "results.json",
               course().root / "results.json", course().reference / "results.json",
               course().quizzes / "results.json", Path("/var/lock/results.json"),
               tmp_path / "results.json", Path(sys.prefix) / "results.json",
               Path("/usr/lib/results.json"), Path("/results.json"), Path("/dev/results.json")]
    for target in targets:
        with pytest.raises(StudentRaised, match=r"PermissionError|OSError|FileNotFoundError"):
            session.call("shapes", "write", str(target))
        assert not target.exists()


@pytest.mark.needs_namespaces
def test_no_network_not_even_the_graders_loopback(session):
    """An outside address and a socket listening in the grader are both unreachable."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        for host, target in (("1.1.1.1", 53), ("127.0.0.1", port)):
            with pytest.raises(StudentRaised, match=r"OSError|ConnectionRefused|Timeout"):
                session.call("shapes", "connect", host, target)


@pytest.mark.needs_namespaces
def test_submission_deadline_stops_further_calls(zygote, tmp_path):
    """Once the submission's time is spent, calls fail at once without running."""
    scratch = write_student(tmp_path / "scratch")
    config = SandboxConfig(call_timeout=5, submission_seconds=1.0)
    with zygote.spawn(scratch, config, slot=SLOT) as sandboxed:
        started = time.monotonic()
        with pytest.raises(CallTimeout):
            sandboxed.call("shapes", "sleep")
        assert time.monotonic() - started < 3
        started = time.monotonic()
        with pytest.raises(CallTimeout, match="submission time limit reached"):
            sandboxed.call("shapes", "add", 1, 2)
        assert time.monotonic() - started < 0.5


def test_reduced_isolation_still_limits_and_says_so(zygote):
    """Without namespaces, time and memory limits still hold and the isolation says so."""
    config = SandboxConfig(call_timeout=2, cpu_seconds_per_call=1, memory_mb=512,
                           use_namespaces=False)
    # Without a private /tmp the child's user must reach scratch by its real path.
    scratch = write_student(Path(tempfile.mkdtemp(prefix="convgrade-test-")))
    try:
        with zygote.spawn(scratch, config, slot=SLOT) as sandboxed:
            assert sandboxed.call("shapes", "add", 1, 2) == 3
            assert sandboxed.isolation.startswith("reduced: ")
            with pytest.raises(CallTimeout):
                sandboxed.call("shapes", "spin")
            with pytest.raises(StudentRaised, match="MemoryError"):
                sandboxed.call("shapes", "hog", 4)
            assert sandboxed.call("shapes", "add", 2, 2) == 4
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@pytest.mark.needs_namespaces
def test_the_graders_folder_is_never_imported(tmp_path, monkeypatch):
    """A class folder holding a package named like a library is not imported by the zygote."""
    marker = tmp_path / "imported"
    (tmp_path / "keras").mkdir()
    (tmp_path / "keras" / "__init__.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    monkeypatch.chdir(tmp_path)  # as when `convgrade grade .` runs inside the class folder
    scratch = write_student(tmp_path / "scratch")
    with Zygote() as warm, warm.spawn(scratch, SandboxConfig(), slot=SLOT) as sandboxed:
        assert sandboxed.call("shapes", "add", 1, 2) == 3
        with pytest.raises(StudentRaised, match="FileNotFoundError"):
            sandboxed.call("shapes", "listdir", str(tmp_path / "keras"))
    assert not marker.exists()


def test_start_probe_is_quick_and_leaves_nothing(zygote):
    """The start probe a grader runs once answers in well under a second and cleans up.

    Its child answers from an empty scratch, with the isolation it got; the scratch is gone.
    """
    before = set(Path(tempfile.gettempdir()).glob("convgrade-sandbox-probe-*"))
    timings = []
    for _ in range(3):
        started = time.monotonic()
        isolation = probe_sandbox(zygote, SandboxConfig(), slot=SLOT)
        timings.append(time.monotonic() - started)
        assert isolation == "full" or isolation.startswith("reduced: ")
    assert min(timings) < 1.0, timings
    assert set(Path(tempfile.gettempdir()).glob("convgrade-sandbox-probe-*")) <= before
