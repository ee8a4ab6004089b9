"""The sandbox: student code in an isolated child; every attack costs only its own call."""

from __future__ import annotations

import contextlib
import shutil
import socket
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from autograder.paths import course
from autograder.proxy import (
    BadReturn,
    CallTimeout,
    ChildCrashed,
    KerasModelData,
    MissingCode,
    StudentRaised,
)
from autograder.sandbox.session import SandboxConfig, Session, Zygote

STUDENT = '''
import os, sys, time, socket, subprocess
import numpy as np

def add(a, b):
    print("working on it")
    return a + b

def values():
    return [1, 2.5, "x", None, True, (1, 2), {"k": np.arange(3)}, np.float32(1.5)]

class AlwaysEqual(float):
    def __eq__(self, other):
        return True

def always_equal():
    return AlwaysEqual(3.0)

class Sneaky:
    def __eq__(self, other):
        return True

def sneaky():
    return Sneaky()

class Array(np.ndarray):
    pass

def array_subclass():
    return np.zeros(3).view(Array)

def object_array():
    return np.array([object()])

def forge():
    print('{"score": 1000, "max_score": 100}')
    for target in ("results.json", REPO + "/results.json", OUT + "/results.json"):
        try:
            with open(target, "w") as handle:
                handle.write('{"score": 1000}')
        except OSError:
            pass
    return 0

def read(path):
    with open(path) as handle:
        return handle.read(50)

def leave():
    os._exit(7)

def quit():
    sys.exit(0)

def interrupt():
    raise KeyboardInterrupt

def segfault():
    import ctypes
    ctypes.string_at(0)

def spin():
    while True:
        pass

def sleep():
    time.sleep(60)

def hog(gib):
    return np.ones(int(gib * 2**30) // 8).sum()

def fork_bomb():
    children = 0
    for _ in range(500):
        try:
            if os.fork() == 0:
                time.sleep(30)
                os._exit(0)
            children += 1
        except OSError:
            break
    return children

def escape(beat):
    loop = f"while true; do date +%s%N > {beat}; sleep 0.05; done"
    process = subprocess.Popen(["sh", "-c", loop], start_new_session=True)
    return process.pid

def connect(host, port):
    with socket.create_connection((host, port), timeout=2):
        return "connected"

def kill_parent():
    for pid in (os.getppid(), -1):
        try:
            os.kill(pid, 9)
        except OSError:
            pass
    return "still here"

def recurse():
    sys.setrecursionlimit(10**7)
    def down(n):
        return down(n + 1) + 1
    return down(0)

def shout():
    print("x" * 1_000_000)
    return 1

def patch():
    np.allclose = lambda *a, **k: True
    return np.allclose(1, 2)
'''


@pytest.fixture(scope="module")
def zygote() -> Iterator[Zygote]:
    with Zygote() as warm:
        yield warm


@pytest.fixture
def student(tmp_path: Path) -> Path:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    source = STUDENT.replace("REPO", repr(str(course().root))).replace("OUT", repr(str(out)))
    (scratch / "shapes.py").write_text(textwrap.dedent(source))
    return scratch


@pytest.fixture
def session(zygote: Zygote, student: Path) -> Iterator[Session]:
    config = SandboxConfig(
        call_timeout=3,
        cpu_seconds_per_call=2,
        memory_mb=512,
        output_bytes=1000,
        hidden_paths=(*course().secret_paths(), student.parent / "out"),
    )
    with zygote.spawn(student, config, slot=7) as sandboxed:
        yield sandboxed


def _still_works(session: Session) -> None:
    assert session.call("shapes", "add", 2, 3) == 5


class TestPlainData:
    def test_values_cross_as_plain_data(self, session):
        """Numbers, strings, lists, tuples, dicts and arrays round-trip exactly."""
        got = session.call("shapes", "values")
        assert got[:6] == [1, 2.5, "x", None, True, (1, 2)]
        np.testing.assert_array_equal(got[6]["k"], np.arange(3))
        assert type(got[7]) is float
        assert session.isolation == "full"

    @pytest.mark.parametrize("function", ["always_equal", "sneaky", "array_subclass",
                                          "object_array"])
    def test_non_plain_values_are_refused(self, session, function):
        """Objects that could fool a comparison never reach the grader."""
        with pytest.raises(BadReturn):
            session.call("shapes", function)
        _still_works(session)

    def test_keras_model_crosses_as_config(self, session, tmp_path):
        """A Keras model comes back as its JSON and compile config."""
        (session.scratch / "model.py").write_text(
            "import keras\n\ndef build():\n"
            "    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])\n"
            "    m.compile('adam', 'mse')\n    return m\n"
        )
        data = session.call("model", "build")
        assert isinstance(data, KerasModelData) and '"Dense"' in data.config_json
        assert data.compile_config is not None and data.summary["params"] == 10

    def test_output_is_captured_and_truncated(self, session):
        """Printed output is kept per call, bounded, and never reaches the grader's stdout."""
        assert session.call("shapes", "add", 1, 1) == 2
        assert session.last_output == "working on it\n"
        assert session.call("shapes", "shout") == 1
        assert len(session.last_output) < 1100 and session.last_output.endswith("truncated]")

    def test_missing_module_and_function(self, session):
        """A missing file or function is reported as missing code."""
        with pytest.raises(MissingCode, match=r"pooling\.py is missing"):
            session.call("pooling", "pool_forward")
        with pytest.raises(MissingCode, match="no function nothing"):
            session.call("shapes", "nothing")


class TestAttacks:
    def test_forged_output_and_planted_results_change_nothing(self, session, student):
        """Forged JSON on stdout is only output; results files land in scratch at most."""
        assert session.call("shapes", "forge") == 0
        assert not (course().root / "results.json").exists()
        assert not (student.parent / "out" / "results.json").exists()

    @pytest.mark.parametrize("path", ["reference/convolution.py", "quizzes/keys.toml",
                                      "autograder/graders/__init__.py"])
    def test_secrets_are_not_readable(self, session, path):
        """The reference, the answer keys and the hidden graders cannot be read."""
        with pytest.raises(StudentRaised, match=r"PermissionError|FileNotFoundError|IsADirectory"):
            session.call("shapes", "read", str(course().root / path))

    @pytest.mark.parametrize("function", ["leave", "segfault"])
    def test_exit_and_crash_are_reported_and_survived(self, session, function):
        """os._exit and a segfault end only the child; the next call gets a fresh one."""
        with pytest.raises(ChildCrashed):
            session.call("shapes", function)
        _still_works(session)

    @pytest.mark.parametrize("function", ["quit", "interrupt"])
    def test_system_exit_and_interrupt_are_student_errors(self, session, function):
        """SystemExit and KeyboardInterrupt raised by student code stay in the child."""
        with pytest.raises(StudentRaised):
            session.call("shapes", function)
        _still_works(session)

    @pytest.mark.parametrize("function", ["spin", "sleep"])
    def test_hangs_time_out(self, session, function):
        """Busy loops and sleeps are stopped by the CPU or wall-clock limit."""
        started = time.monotonic()
        with pytest.raises(CallTimeout):
            session.call("shapes", function)
        assert time.monotonic() - started < 6
        _still_works(session)

    def test_memory_is_limited(self, session):
        """Allocating 4 GiB fails in the child, not in the grader."""
        with pytest.raises((StudentRaised, ChildCrashed), match=r"Memory|memory|killed"):
            session.call("shapes", "hog", 4)
        _still_works(session)

    def test_process_count_is_limited_and_cleaned_up(self, session):
        """A fork bomb is capped and its processes die with the child."""
        try:
            children = session.call("shapes", "fork_bomb")
            assert children < 64
        except (CallTimeout, ChildCrashed):
            pass
        _still_works(session)

    def test_no_descendant_survives_the_session(self, zygote, student):
        """A process started in a new session dies when the session closes."""
        beat = student / "beat"
        with zygote.spawn(student, SandboxConfig(call_timeout=5)) as sandboxed:
            sandboxed.call("shapes", "escape", "/tmp/beat")  # scratch is /tmp inside
            time.sleep(0.5)
            assert beat.exists(), "the escaped process never ran"
        time.sleep(0.5)
        last = beat.read_text()
        time.sleep(0.5)
        assert beat.read_text() == last, "a process outlived its sandbox"

    def test_no_network_not_even_loopback(self, session):
        """Outside hosts and the grader's own listening socket are unreachable."""
        with socket.create_server(("127.0.0.1", 0)) as server:
            port = server.getsockname()[1]
            for host, target_port in (("1.1.1.1", 53), ("127.0.0.1", port)):
                with pytest.raises(StudentRaised, match=r"OSError|ConnectionRefused|Timeout"):
                    session.call("shapes", "connect", host, target_port)

    def test_killing_the_parent_does_not_reach_the_grader(self, session):
        """Signals to the parent or to every process stay inside the child's namespace."""
        with contextlib.suppress(ChildCrashed):
            session.call("shapes", "kill_parent")
        _still_works(session)

    def test_stack_overflow_is_a_crash_or_error(self, session):
        """Runaway recursion ends the call, not the grader."""
        with pytest.raises((ChildCrashed, StudentRaised, CallTimeout)):
            session.call("shapes", "recurse")
        _still_works(session)

    def test_patching_modules_stays_in_the_child(self, session):
        """A student patching NumPy changes nothing in the grader."""
        assert session.call("shapes", "patch") is True
        assert np.allclose(1, 2) is False or not np.allclose(1, 2)

    def test_slow_import_times_out(self, zygote, student):
        """A module that sleeps at import is stopped by the call limit."""
        (student / "pooling.py").write_text("import time\ntime.sleep(60)\n")
        with zygote.spawn(student, SandboxConfig(call_timeout=2)) as sandboxed:
            with pytest.raises(CallTimeout):
                sandboxed.call("pooling", "pool_forward")
            assert sandboxed.call("shapes", "add", 1, 2) == 3

    def test_submission_deadline_stops_further_calls(self, zygote, student):
        """Once the submission's time is used up, calls fail without running."""
        config = SandboxConfig(call_timeout=5, submission_seconds=1.0)
        with zygote.spawn(student, config) as sandboxed:
            with pytest.raises(CallTimeout):
                sandboxed.call("shapes", "sleep")
            with pytest.raises(CallTimeout, match="time limit"):
                sandboxed.call("shapes", "add", 1, 2)


def test_reduced_isolation_still_limits_and_says_so(zygote, student):
    """Without namespaces the limits still hold and the isolation says it is reduced."""
    config = SandboxConfig(call_timeout=2, cpu_seconds_per_call=1, use_namespaces=False)
    # Without a mount namespace the unprivileged child must reach scratch by its own path.
    scratch = Path(tempfile.mkdtemp(prefix="convgrade-test-"))
    shutil.copy(student / "shapes.py", scratch / "shapes.py")
    try:
        with zygote.spawn(scratch, config) as sandboxed:
            assert sandboxed.call("shapes", "add", 1, 2) == 3
            assert sandboxed.isolation.startswith("reduced:")
            with pytest.raises(CallTimeout):
                sandboxed.call("shapes", "spin")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
