"""The operating-system walls around a child: namespaces, mounts, user, rlimits.

Everything here runs in the child before any student code, and reaches libc
through ctypes (Linux). A step the OS refuses raises :class:`IsolationError`,
so the session can say the isolation is reduced rather than pretend.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import resource
import signal
from pathlib import Path

CLONE_NEWNS = 0x00020000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_REMOUNT = 0x20
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 0x40000
PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38
WRITABLE_SHARED_DIRS = ("/tmp", "/var/tmp", "/dev/shm")
MIB = 1024 * 1024
MAX_OPEN_FILES = 256
# Exit status of a child stopped by its CPU limit (128 + SIGXCPU, as a shell reports it).
CPU_LIMIT_EXIT = 128 + signal.SIGXCPU

_libc = ctypes.CDLL(None, use_errno=True)


class IsolationError(OSError):
    """A step of the isolation could not be taken."""


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise IsolationError(errno, f"{what}: {os.strerror(errno)}")


def die_with_parent() -> None:
    """Ask the kernel to SIGKILL this process when its parent dies.

    The kernel forgets this on a change of user id, so call it after
    :func:`drop_privileges`.
    """
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def no_new_privileges() -> None:
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")


def unshare_namespaces() -> None:
    """New mount, network and PID namespaces (the PID one applies to the next fork)."""
    _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID), "unshare")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None):
    _check(
        _libc.mount(
            source.encode() if source else None,
            target.encode(),
            fstype.encode() if fstype else None,
            ctypes.c_ulong(flags),
            data.encode() if data else None,
        ),
        f"mount {target}",
    )


def private_mounts() -> None:
    """Mount changes from here on stay inside this mount namespace."""
    _mount(None, "/", None, MS_REC | MS_PRIVATE, None)


def fresh_proc() -> None:
    """A /proc that shows only this PID namespace."""
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None)


def scratch_only(scratch: Path) -> None:
    """Bind the scratch folder over the world-writable places, then make the rest read-only."""
    # A target that contains the scratch folder goes last, or it would hide the source.
    targets = sorted(WRITABLE_SHARED_DIRS, key=lambda t: str(scratch).startswith(t + "/"))
    bound = []
    for target in targets:
        if os.path.isdir(target) and not os.path.islink(target):
            _mount(str(scratch), target, None, MS_BIND, None)
            bound.append(target)
    for point, flags in reversed(_mount_points()):
        if point in bound or point == "/proc" or point.startswith(("/proc/", "/sys")):
            continue
        # A mount that refuses (an odd filesystem) keeps its flags; "/" must not refuse.
        with contextlib.suppress(IsolationError) if point != "/" else contextlib.nullcontext():
            _mount(None, point, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | flags, None)


def _mount_points() -> list[tuple[str, int]]:
    """Every mount point with the nodev/noexec flags it already has (kept on remount)."""
    points: dict[str, int] = {}
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[4])
        options = fields[5].split(",")
        points[point] = (MS_NODEV if "nodev" in options else 0) | (
            MS_NOEXEC if "noexec" in options else 0
        )
    return list(points.items())


def expose(paths: list[str]) -> None:
    """Make folders the interpreter needs reachable for the unprivileged user.

    A folder under an ancestor only root may enter (``/root/.pyenv``, say) is
    bound, read-only, into an otherwise empty filesystem laid over that
    ancestor, so the rest of the ancestor stays out of sight.
    """
    blocked: dict[str, list[str]] = {}
    for path in sorted({os.path.realpath(p) for p in paths if os.path.isdir(p)}):
        parts = Path(path).parents
        closed = [str(a) for a in reversed(parts) if not os.stat(a).st_mode & 0o001]
        if closed and not any(path.startswith(p + "/") for p in blocked.get(closed[0], [])):
            blocked.setdefault(closed[0], []).append(path)
    for top, inside in blocked.items():
        handles = {path: os.open(path, os.O_PATH | os.O_DIRECTORY) for path in inside}
        _mount("tmpfs", top, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=755")
        for path, fd in handles.items():
            os.makedirs(path, mode=0o755, exist_ok=True)
            _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC, None)
            os.close(fd)
        _mount(None, top, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, None)


def hide(paths: tuple[str, ...]) -> None:
    """Cover each existing path with an empty filesystem nobody but root can read."""
    for path in paths:
        if os.path.isdir(path):
            _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY,
                   "size=4k,mode=000")
        elif os.path.exists(path):
            _mount("/dev/null", path, None, MS_BIND, None)


def drop_privileges(uid: int) -> None:
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def vm_size_bytes() -> int:
    """This process's current virtual memory size (TensorFlow's mappings are large)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


def set_limits(memory_mb: int, file_size_mb: int, max_processes: int, cpu_total: int) -> None:
    """Memory above what is already mapped, file size, processes, files, CPU, no core dumps."""
    address_space = vm_size_bytes() + memory_mb * MIB
    for limit, value in (
        (resource.RLIMIT_AS, address_space),
        (resource.RLIMIT_FSIZE, file_size_mb * MIB),
        (resource.RLIMIT_NPROC, max_processes),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_NOFILE, MAX_OPEN_FILES),
        (resource.RLIMIT_CPU, cpu_total),
    ):
        resource.setrlimit(limit, (value, value))
    # Writing past the file-size limit should fail with an error, not kill the child.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    # PID 1 of a namespace ignores signals it has no handler for, SIGXCPU included.
    signal.signal(signal.SIGXCPU, lambda *_: os._exit(CPU_LIMIT_EXIT))


def allow_cpu_seconds(seconds: int) -> None:
    """Let the next call use ``seconds`` more CPU time; past it the child is stopped."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = int(usage.ru_utime + usage.ru_stime) + 1
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = used + seconds
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
