"""Attacks on the child's filesystem, scratch and IPC: it sees only an allow-list, leaves nothing.

No test here names a hidden path in the sandbox configuration: what the child
cannot see, it cannot see because it was never bound into its root.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from sandbox_helpers import SLOT, SLOT_UID, bound_names, write_student

from autograder.course.paths import course
from autograder.sandbox.proxy import StudentRaised
from autograder.sandbox.scratch import host_scratch
from autograder.sandbox.session import SandboxConfig, Session, Zygote

pytestmark = pytest.mark.needs_root

CONFIG = SandboxConfig(call_timeout=10, cpu_seconds_per_call=5, memory_mb=512, scratch_mb=8)
TOKEN = f"convgrade-attack-{os.getpid()}"
SHM_KEY = 0x5A000000 + os.getpid() % 0x10000

SNOOP = """
import ctypes, errno, os, socket

_libc = ctypes.CDLL(None, use_errno=True)
_SKIP = ("/proc", "/sys", "/dev", "/usr/lib")  # system libraries: bound whole, read-only


def walk(names):
    found = []
    for folder, dirs, files in os.walk("/"):
        dirs[:] = [d for d in dirs if os.path.join(folder, d) not in _SKIP
                   and d not in ("site-packages", "python3.11", "python3.12", "python3.13")]
        found += [os.path.join(folder, f) for f in files + dirs if f in names]
    return found


def exists(path):
    return os.path.lexists(path)


def mount_points():
    with open("/proc/self/mountinfo") as handle:
        return [line.split()[4] for line in handle]


def deep_chain(depth):
    made, fd = 0, os.open(".", os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir("d", dir_fd=fd)
            inner = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd, made = inner, made + 1
    except OSError:
        pass
    finally:
        os.close(fd)
    return made


def fill():
    written, chunk = 0, b"x" * 2**20
    try:
        with open("filler", "wb", buffering=0) as handle:
            while written < 1024:
                handle.write(chunk)
                written += 1
    except OSError as exc:
        return written, errno.errorcode.get(exc.errno, str(exc.errno))
    return written, "no error"


def sysv_shm(key, size):
    return _libc.shmget(key, size, 0o1600)  # IPC_CREAT | 0600, never removed


def sysv_shm_exists(key):
    return _libc.shmget(key, 0, 0) >= 0


def posix_shm(name, size):
    import _posixshmem
    fd = _posixshmem.shm_open(name, os.O_CREAT | os.O_RDWR, 0o600)
    os.ftruncate(fd, size)
    os.close(fd)
    return os.path.exists("/dev/shm" + name)


def set_hostname(name):
    socket.sethostname(name)


def hostname():
    return socket.gethostname()
"""


@pytest.fixture(scope="module")
def zygote() -> Iterator[Zygote]:
    with Zygote() as warm:
        yield warm


@pytest.fixture
def scratch() -> Iterator[Path]:
    with host_scratch("attack") as folder:
        write_student(folder)
        (folder / "snoop.py").write_text(textwrap.dedent(SNOOP))
        yield folder


@pytest.fixture
def session(zygote: Zygote, scratch: Path) -> Iterator[Session]:
    with zygote.spawn(scratch, CONFIG, slot=SLOT) as sandboxed:
        yield sandboxed


@pytest.fixture
def classmates(tmp_path: Path) -> Iterator[list[Path]]:
    """World-readable class folders with a classmate's work and other runs' results."""
    tops = [Path(tempfile.mkdtemp(prefix=TOKEN, dir=d)) for d in ("/srv", "/home", "/tmp")]
    tops.append(tmp_path / "class")
    try:
        for top in tops:
            (top / "alice").mkdir(parents=True)
            (top / "alice" / "answers.toml").write_text("conv_advantages = 'b'\n")
            (top / "alice" / "convolution.py").write_text("def conv_forward(): ...\n")
            (top / "out" / "results").mkdir(parents=True)
            (top / "out" / "results" / "carol.json").write_text('{"score": 126}')
            for path in (top, *top.rglob("*")):
                path.chmod(0o755 if path.is_dir() else 0o644)
        yield tops
    finally:
        for top in tops:
            shutil.rmtree(top, ignore_errors=True)


def _still_works(session: Session) -> None:
    assert session.call("shapes", "add", 2, 3) == 5
    assert session.last_output == "adding 2 3\n"


def _leftovers(scratch: Path | None = None) -> list[str]:
    """What the slot's user or this test's token left on the host: files and SysV IPC."""
    found = []
    for top in ("/tmp", "/var/tmp", "/dev/shm"):
        with contextlib.suppress(OSError), os.scandir(top) as entries:
            for entry in entries:
                with contextlib.suppress(OSError):
                    if Path(entry.path) == scratch:
                        continue  # the session's own folder, removed by its owner
                    if entry.stat(follow_symlinks=False).st_uid == SLOT_UID or TOKEN in entry.name:
                        found.append(entry.path)
    for kind in ("shm", "sem", "msg"):
        rows = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()
        header = rows[0].split()
        for row in rows[1:]:
            fields = dict(zip(header, row.split(), strict=False))
            if int(fields["uid"]) == SLOT_UID or int(fields["key"]) == SHM_KEY:
                found.append(f"sysv {kind} {fields['key']}")
    return found


@pytest.mark.needs_namespaces
def test_walking_the_filesystem_finds_no_classmate_work(session, classmates):
    """A walk of / finds no classmate's answers, no class folder, no course checkout, no home."""
    found = session.call("snoop", "walk", ["answers.toml", "keys.toml", "carol.json",
                                           "reference", "quizzes", "alice"])
    assert found == []
    for top in classmates:
        for path in (top, top / "alice" / "answers.toml", top / "out" / "results"):
            assert path.exists() and not session.call("snoop", "exists", str(path))
    for path in ("/srv", "/home", "/var", "/opt", "/mnt", "/etc/passwd", str(course().reference),
                 str(course().root / "tests"), str(course().quiz_keys)):
        assert not session.call("snoop", "exists", path), path
    # Only what leads to the interpreter is under /root; the course root shows just the package.
    needed = {Path(p).parts[2] for p in (sys.prefix, sys.base_prefix)
              if Path(p).is_relative_to("/root")}
    assert set(session.call("shapes", "listdir", "/root")) <= needed
    root = course().root
    assert set(session.call("shapes", "listdir", str(root))) == bound_names(root)
    # Nothing of the host's mount table is left: only the child's own root and binds.
    points = session.call("snoop", "mount_points")
    assert points[0] == "/" and {"/tmp", "/dev", "/proc"} <= set(points)
    assert not [p for p in points if p.startswith(("/oldroot", "/newroot", "/srv", "/home"))]
    _still_works(session)


@pytest.mark.needs_namespaces
def test_other_runs_results_cannot_be_listed(session, classmates):
    """An output folder of another run, wherever it lies, cannot be listed or read."""
    for top in classmates:
        with pytest.raises(StudentRaised, match="FileNotFoundError"):
            session.call("shapes", "listdir", str(top / "out" / "results"))
        with pytest.raises(StudentRaised, match="FileNotFoundError"):
            session.call("shapes", "read", str(top / "out" / "results" / "carol.json"))
    _still_works(session)


# On the host's disk each rmdir may cost milliseconds (overlayfs); 1,500 levels already
# defeat shutil.rmtree, which recurses once per level.
@pytest.mark.parametrize(("use_namespaces", "depth"), [
    pytest.param(True, 3000, id="full", marks=pytest.mark.needs_namespaces),
    pytest.param(False, 1500, id="reduced"),
])
def test_deep_directory_chain_is_cleaned_up(zygote, use_namespaces, depth):
    """A chain of folders thousands deep goes with the scratch, in full or reduced isolation."""
    config = SandboxConfig(call_timeout=20, cpu_seconds_per_call=10, use_namespaces=use_namespaces)
    with host_scratch("deep") as folder:
        write_student(folder)
        (folder / "snoop.py").write_text(textwrap.dedent(SNOOP))
        with zygote.spawn(folder, config, slot=SLOT) as sandboxed:
            assert sandboxed.call("snoop", "deep_chain", depth) == depth
            # Under full isolation the chain lives in the child's tmpfs, not on the host.
            assert (folder / "d").is_dir() is not use_namespaces
            _still_works(sandboxed)
    assert not folder.exists()
    assert _leftovers() == []


@pytest.mark.needs_namespaces
def test_filling_the_scratch_stops_at_its_size(session, scratch):
    """Writing without end fails with "no space" at the configured scratch size."""
    written, error = session.call("snoop", "fill")
    assert error == "ENOSPC" and CONFIG.scratch_mb - 2 <= written <= CONFIG.scratch_mb
    assert not (scratch / "filler").exists()
    _still_works(session)


@pytest.mark.parametrize("use_namespaces", [
    pytest.param(True, id="full", marks=pytest.mark.needs_namespaces),
    pytest.param(False, id="reduced"),
])
def test_shared_memory_and_temporary_files_end_with_the_session(zygote, scratch, use_namespaces):
    """SysV and POSIX shared memory and files in /tmp made by the child do not outlive it."""
    config = SandboxConfig(use_namespaces=use_namespaces)
    with zygote.spawn(scratch, config, slot=SLOT) as sandboxed:
        assert sandboxed.call("snoop", "sysv_shm", SHM_KEY, 2**20) >= 0
        assert sandboxed.call("snoop", "sysv_shm_exists", SHM_KEY)  # it is there, inside
        assert sandboxed.call("snoop", "posix_shm", f"/{TOKEN}", 2**20)
        sandboxed.call("shapes", "write", f"/tmp/{TOKEN}.txt")
        sandboxed.call("shapes", "write", f"/dev/shm/{TOKEN}.txt")
        if use_namespaces:
            assert _leftovers(scratch) == [], "the host sees what the child made"
        _still_works(sandboxed)
    assert _leftovers(scratch) == []


@pytest.mark.needs_namespaces
def test_hostname_cannot_be_changed(session):
    """The child has its own host name and cannot change it, nor the grader's."""
    ours = socket.gethostname()
    assert session.call("snoop", "hostname") == "sandbox"
    with pytest.raises(StudentRaised, match="PermissionError"):
        session.call("snoop", "set_hostname", "pwned")
    assert socket.gethostname() == ours
    _still_works(session)
