"""Sandbox slots: each grader process holds its own, exclusively, across the machine."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from autograder.sandbox.slots import SlotError, claim_slot

HOLDER = """
import sys
from pathlib import Path
from autograder.sandbox.slots import claim_slot
claim = claim_slot(int(sys.argv[1]), lock_dir=Path(sys.argv[2]))
print(claim.slot, flush=True)
sys.stdin.readline()
"""

# Two grading runs: one zygote (TensorFlow's import is paid once), then a fork; each
# process claims its slot and starts a reduced-isolation child. On "go" the first
# calls into student code that naps, the second closes its session.
RUN = """
import os, sys
from types import SimpleNamespace
from autograder.sandbox.config import SandboxConfig
from autograder.sandbox.scratch import host_scratch
from autograder.sandbox.session import Zygote
from autograder.sandbox.slots import claim_slot
config = SandboxConfig(use_namespaces=False, call_timeout=20, memory_mb=1024)
zygote = Zygote()
zygote.start()
role = "close" if os.fork() == 0 else "call"
if role == "close":  # the zygote is the first process's child: poll() here cannot see it
    zygote._process = SimpleNamespace(poll=lambda: None)
with claim_slot(int(sys.argv[1])) as claim, host_scratch("slots-" + role) as scratch:
    (scratch / "nap.py").write_text(
        "import time\\ndef nap(seconds):\\n    time.sleep(seconds)\\n    return 42\\n")
    session = zygote.spawn(scratch, config, slot=claim.slot)
    session.call("nap", "nap", 0)
    print("up", role, claim.slot, session.isolation.split(":")[0], flush=True)
    os.read(0, 3)
    if role == "call":
        print("value", session.call("nap", "nap", 2.0), flush=True)
    session.close()
    print("closed", role, flush=True)
if role == "close":
    os._exit(0)
os.waitpid(-1, 0)
zygote.close()
"""


def _env() -> dict[str, str]:
    path = os.pathsep.join(filter(None, (str(Path(__file__).parents[2]),
                                         os.environ.get("PYTHONPATH"))))
    return {**os.environ, "PYTHONPATH": path}


@contextmanager
def _process(script: str, *args: str) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen([sys.executable, "-c", script, *args], env=_env(), text=True,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        yield process
    finally:
        process.kill()
        process.wait()


def test_two_processes_preferring_one_slot_hold_two(tmp_path):
    """A second process asking for a slot another holds gets the next free one."""
    with _process(HOLDER, "7", str(tmp_path)) as holder:
        assert holder.stdout.readline().split() == ["7"]
        with claim_slot(7, lock_dir=tmp_path) as mine:
            assert mine.slot == 8
        with claim_slot(7, lock_dir=tmp_path) as again, claim_slot(7, lock_dir=tmp_path) as more:
            assert (again.slot, more.slot) == (8, 9)  # one process's claims also exclude


def test_a_slot_frees_when_its_holder_is_killed(tmp_path):
    """The kernel drops the lock of a holder killed by SIGKILL; a released claim frees too."""
    with _process(HOLDER, "3", str(tmp_path)) as holder:
        assert holder.stdout.readline().split() == ["3"]
        with pytest.raises(SlotError, match="every sandbox slot from 3 to 3 is in use"):
            claim_slot(3, lock_dir=tmp_path, limit=4)
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        claim = claim_slot(3, lock_dir=tmp_path, limit=4)
        assert claim.slot == 3
        claim.release()
        assert claim_slot(3, lock_dir=tmp_path, limit=4).slot == 3


def test_the_lock_folder_is_private(tmp_path):
    """A new lock folder is the grader's own, closed to every other user."""
    with claim_slot(0, lock_dir=tmp_path / "locks"):
        info = os.stat(tmp_path / "locks")
        assert info.st_uid == os.geteuid() and info.st_mode & 0o777 == 0o700
    with pytest.raises(SlotError, match="outside"):
        claim_slot(5000)


def test_links_are_refused(tmp_path):
    """A symlinked lock folder or lock file (a student's redirect) is refused, not followed."""
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    (tmp_path / "link").symlink_to(real)
    with pytest.raises(SlotError, match="cannot be opened safely"):
        claim_slot(0, lock_dir=tmp_path / "link")
    (real / "slot-2.lock").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(SlotError, match=r"slot-2\.lock cannot be opened safely"):
        claim_slot(2, lock_dir=real)
    assert not (tmp_path / "elsewhere").exists()


@pytest.mark.needs_root
def test_foreign_folder_or_lock_file_is_refused(tmp_path):
    """A lock folder or lock file another user made (say a sandbox's uid) is refused."""
    foreign = tmp_path / "foreign"
    foreign.mkdir(mode=0o700)
    os.chown(foreign, 61999, 61999)
    with pytest.raises(SlotError, match="belongs to uid 61999"):
        claim_slot(0, lock_dir=foreign)
    ours = tmp_path / "ours"
    ours.mkdir(mode=0o700)
    (ours / "slot-4.lock").touch()
    os.chown(ours / "slot-4.lock", 61999, 61999)
    with pytest.raises(SlotError, match="not a file of this grader's user"):
        claim_slot(4, lock_dir=ours)


@pytest.mark.needs_root
def test_concurrent_runs_never_kill_each_others_children():
    """Two runs asking for one slot at once, reduced isolation: closing one spares the other."""
    with _process(RUN, str(2000 + os.getpid() % 1000)) as runs:
        up = sorted(runs.stdout.readline().split() for _ in range(2))
        assert [line[:2] for line in up] == [["up", "call"], ["up", "close"]], up
        assert up[0][2] != up[1][2]  # the same request, two slots
        assert up[0][3] == up[1][3] == "reduced"
        output, _ = runs.communicate("go\ngo\n", timeout=30)
    lines = output.splitlines()
    assert "value 42" in lines, lines  # the other run's close did not kill this child
    assert lines.index("closed close") < lines.index("value 42") < lines.index("closed call")
