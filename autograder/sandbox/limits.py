"""The operating-system walls around a child: namespaces, mounts, user, rlimits.

Everything here runs in the child, before any student code, and uses libc
through ctypes (Linux). A step the OS refuses is reported, so the session can
say the isolation is reduced rather than pretend.
"""

from __future__ import annotations

import ctypes
import os
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
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 0x40000
PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38
WRITABLE_SHARED_DIRS = ("/tmp", "/var/tmp", "/dev/shm")
MIB = 1024 * 1024

_libc = ctypes.CDLL(None, use_errno=True)


class IsolationError(OSError):
    """A step of the isolation could not be taken."""


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise IsolationError(errno, f"{what}: {os.strerror(errno)}")


def die_with_parent() -> None:
    """Ask the kernel to SIGKILL this process when its parent dies."""
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


def hide(paths: tuple[str, ...]) -> None:
    """Cover each existing path with an empty, unreadable filesystem."""
    for path in paths:
        if os.path.isdir(path):
            _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=000")
        elif os.path.exists(path):
            _mount("/dev/null", path, None, MS_BIND, None)


def scratch_only(scratch: Path) -> None:
    """Bind the scratch folder over the world-writable places."""
    # A target that contains the scratch folder goes last, or it would hide the source.
    targets = sorted(WRITABLE_SHARED_DIRS, key=lambda t: str(scratch).startswith(t + "/"))
    for target in targets:
        if os.path.isdir(target):
            _mount(str(scratch), target, None, MS_BIND, None)


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


def set_limits(memory_mb: int, file_size_mb: int, max_processes: int) -> None:
    """Memory above what is already mapped, file size, processes, no core dumps."""
    address_space = vm_size_bytes() + memory_mb * MIB
    resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    file_size = file_size_mb * MIB
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
    resource.setrlimit(resource.RLIMIT_NPROC, (max_processes, max_processes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # Writing past the file-size limit should fail with an error, not kill the child.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def allow_cpu_seconds(seconds: int) -> None:
    """Let the next call use ``seconds`` more CPU time; past it the kernel stops the child."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = int(usage.ru_utime + usage.ru_stime) + 1
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = used + seconds
    if hard != resource.RLIM_INFINITY and soft > hard:
        soft = hard
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
