"""The operating-system walls around a child: namespaces, mounts, user, rlimits.

Everything here runs in the child before any student code, and reaches libc
through ctypes (Linux). A step the OS refuses raises :class:`IsolationError`,
so the session can say the isolation is reduced rather than pretend.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import resource
import signal
from pathlib import Path

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
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
MNT_DETACH = 2
PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38
# pivot_root(2) by machine; glibc has no wrapper for it.
_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41, "ppc64le": 203, "s390x": 217}
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
    """Set ``no_new_privs``, so no later ``exec`` can gain privileges (setuid, file caps)."""
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")


def unshare_namespaces() -> None:
    """New mount, network, PID, IPC and UTS namespaces (the PID one applies to the next fork).

    The IPC namespace takes every SysV and POSIX message-queue object the
    student makes with it when its last process ends.
    """
    flags = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS
    _check(_libc.unshare(flags), "unshare")


def mount(
    source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None
) -> None:
    """mount(2); a refusal raises :class:`IsolationError`."""
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
    mount(None, "/", None, MS_REC | MS_PRIVATE, None)


def pivot_root(new_root: str, put_old: str) -> None:
    """Make ``new_root`` the root of this mount namespace (glibc has no wrapper)."""
    number = _PIVOT_ROOT.get(platform.machine())
    if number is None:
        raise IsolationError(errno.ENOSYS, f"pivot_root: unknown machine {platform.machine()}")
    _check(_libc.syscall(ctypes.c_long(number), new_root.encode(), put_old.encode()),
           "pivot_root")


def detach(target: str) -> None:
    """Unmount ``target`` lazily: gone from view now, freed once nothing uses it."""
    _check(_libc.umount2(target.encode(), MNT_DETACH), f"umount {target}")


def drop_privileges(uid: int) -> None:
    """Become user and group ``uid``, with no supplementary groups."""
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
