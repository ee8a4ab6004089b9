"""Attacks from student code: each costs only its own call, and the grader carries on."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sandbox_helpers import SLOT, SLOT_UID, processes_of, write_student

from autograder.sandbox.proxy import CallTimeout, ChildCrashed, StudentRaised
from autograder.sandbox.session import SandboxConfig, Session, Zygote

CONFIG = SandboxConfig(call_timeout=4, cpu_seconds_per_call=2, memory_mb=512, max_processes=32)


# Each scratch is written under pytest's own tmp_path, which the child's user can reach
# only through full isolation (the child copies it into its tmpfs before dropping root).
pytestmark = pytest.mark.needs_namespaces


@pytest.fixture(scope="module")
def zygote() -> Iterator[Zygote]:
    with Zygote() as warm:
        yield warm


@pytest.fixture
def session(zygote: Zygote, tmp_path: Path) -> Iterator[Session]:
    with zygote.spawn(write_student(tmp_path / "scratch"), CONFIG, slot=SLOT) as sandboxed:
        yield sandboxed


def _still_works(session: Session) -> None:
    assert session.call("shapes", "add", 2, 3) == 5
    assert session.last_output == "adding 2 3\n"


@pytest.mark.parametrize(("function", "reason"), [
    ("leave", "exited with code 7"),
    ("segfault", "segmentation fault"),
    ("overflow", "segmentation fault"),
])
def test_exits_and_crashes_end_only_the_child(session, function, reason):
    """os._exit, a segfault and a C stack overflow are ChildCrashed; a fresh child follows."""
    with pytest.raises(ChildCrashed, match=reason):
        session.call("shapes", function)
    _still_works(session)


@pytest.mark.parametrize(("function", "kind"), [
    ("quit", "SystemExit"), ("raise_exit", "SystemExit"), ("interrupt", "KeyboardInterrupt"),
])
def test_exit_exceptions_are_ordinary_student_errors(session, function, kind):
    """sys.exit, SystemExit and KeyboardInterrupt raised by the student stay in the child."""
    with pytest.raises(StudentRaised, match=kind):
        session.call("shapes", function)
    _still_works(session)


def test_sleeping_call_hits_the_wall_clock_limit(session):
    """A call that sleeps is stopped at the call timeout."""
    started = time.monotonic()
    with pytest.raises(CallTimeout, match="within 4 s"):
        session.call("shapes", "sleep")
    assert time.monotonic() - started < 6
    _still_works(session)
    started = time.monotonic()
    with pytest.raises(CallTimeout, match="not run again"):
        session.call("shapes", "sleep")
    assert time.monotonic() - started < 1, "a function that hung once is not waited on again"


def test_busy_loop_hits_the_cpu_limit_first(zygote, tmp_path):
    """A busy loop is stopped by the CPU limit, before the longer wall-clock limit."""
    config = SandboxConfig(call_timeout=20, cpu_seconds_per_call=1)
    with zygote.spawn(write_student(tmp_path / "scratch"), config, slot=SLOT) as sandboxed:
        started = time.monotonic()
        with pytest.raises(CallTimeout, match="CPU time"):
            sandboxed.call("shapes", "spin")
        assert time.monotonic() - started < 10
        _still_works(sandboxed)


def test_allocating_4_gib_fails_in_the_child(session):
    """A 4 GiB allocation meets the memory limit; the grader is untouched."""
    with pytest.raises(StudentRaised, match="MemoryError"):
        session.call("shapes", "hog", 4)
    assert session.call("shapes", "hog", 0.01) == 2**30 * 0.01 // 8
    _still_works(session)


def test_fork_bomb_is_bounded_and_cleaned_up(zygote, tmp_path):
    """Forking stops at the process limit, and every forked process dies with the session."""
    with zygote.spawn(write_student(tmp_path / "scratch"), CONFIG, slot=SLOT) as sandboxed:
        started = sandboxed.call("shapes", "fork_bomb")
        assert 0 < started < CONFIG.max_processes
        assert len(processes_of(SLOT_UID)) > started  # they are really running
        _still_works(sandboxed)
    assert processes_of(SLOT_UID) == []


def test_no_descendant_outlives_the_session(zygote, tmp_path):
    """A process the student starts in a new session dies when the session closes."""
    scratch = write_student(tmp_path / "scratch")
    with zygote.spawn(scratch, CONFIG, slot=SLOT) as sandboxed:
        sandboxed.call("shapes", "escape", "beat")
        beats = set()
        deadline = time.monotonic() + 5
        while len(beats) < 2 and time.monotonic() < deadline:  # it writes in the scratch
            with contextlib.suppress(StudentRaised):
                beats.add(sandboxed.call("shapes", "read", "beat"))
            time.sleep(0.1)
        assert len(beats) == 2, "the escaping process never ran"
        assert len(processes_of(SLOT_UID)) > 1
    assert processes_of(SLOT_UID) == []
    time.sleep(0.3)
    assert processes_of(SLOT_UID) == [], "a process outlived its sandbox"


def test_killing_the_parent_or_everyone_reaches_nothing_outside(session, zygote):
    """kill(getppid()) and kill(-1) from the child hit neither the grader nor the zygote."""
    with contextlib.suppress(ChildCrashed):
        assert session.call("shapes", "kill_everyone") == 0  # no parent inside the namespace
    assert zygote._process is not None and zygote._process.poll() is None
    _still_works(session)


def test_slow_import_times_out_and_other_modules_still_work(zygote, tmp_path):
    """A module that sleeps at import is stopped by the call limit, not the grader's patience."""
    scratch = write_student(tmp_path / "scratch")
    (scratch / "pooling.py").write_text("import time\ntime.sleep(60)\n")
    config = SandboxConfig(call_timeout=2)
    with zygote.spawn(scratch, config, slot=SLOT) as sandboxed:
        started = time.monotonic()
        with pytest.raises(CallTimeout):
            sandboxed.call("pooling", "pool_forward")
        assert time.monotonic() - started < 4
        _still_works(sandboxed)


def test_patching_numpy_stays_in_the_child(session):
    """A student who patches numpy.allclose and sys.modules changes nothing in the grader."""
    assert session.call("shapes", "patch") is True
    assert not np.allclose(1, 2)
    assert session.call("shapes", "echo", np.arange(3)).tolist() == [0, 1, 2]


def test_the_grader_survives_it_all(session):
    """After a run of attacks in one session, the grader process is the same and working."""
    me = os.getpid()
    for function in ("leave", "segfault", "kill_everyone", "interrupt"):
        with contextlib.suppress(ChildCrashed, StudentRaised):
            session.call("shapes", function)
    assert os.getpid() == me
    _still_works(session)
