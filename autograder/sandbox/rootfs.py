"""The child's filesystem: a fresh root built from an allow-list, as bubblewrap builds one.

Why not bubblewrap itself: ``bwrap`` sets up its namespaces and then *execs*
a new program, while our child is *forked* from a zygote that has already
imported TensorFlow and Keras (seconds per import, paid once per grader).
Exec'ing would throw that warm state away, so the child takes bwrap's steps
itself, in its own mount namespace, before any student code runs:

1. every mount private; a small tmpfs laid over ``/tmp`` becomes the root
   (``pivot_root``), with the host's root under ``/oldroot``;
2. a tmpfs "new root" gets read-only binds of what the interpreter needs (see
   :func:`plan_root`), symlinks such as ``/lib -> usr/lib``, a minimal ``/dev``,
   a fresh ``/proc`` and the scratch: a size- and inode-limited tmpfs on
   ``/tmp`` owned by the child's user, holding a copy of the sources;
3. hidden paths inside what was bound (the package's ``graders/``, anything
   the grader names) are covered by empty filesystems nobody can read;
4. the new root is made read-only, and a second ``pivot_root`` and a lazy
   unmount of the transient root (the host's root inside it) leave only the
   new root in this namespace.

Nothing the student writes reaches the host's disk: the scratch lives in this
mount namespace and is freed, whatever it holds, when the child's last
process ends.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from autograder.sandbox.limits import (
    MS_BIND,
    MS_NODEV,
    MS_NOEXEC,
    MS_NOSUID,
    MS_RDONLY,
    MS_REMOUNT,
    IsolationError,
    detach,
    mount,
    pivot_root,
    private_mounts,
)

# Shared libraries, and a shell and core tools for a student's subprocess; no /etc
# beyond the loader's cache, no /home, /srv, /root, /var or /opt.
SYSTEM_PATHS = ("/usr/bin", "/usr/lib", "/usr/lib64", "/bin", "/lib", "/lib64",
                "/etc/ld.so.cache")
DEVICES = ("null", "zero", "full", "random", "urandom")
DEVICE_LINKS = (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2"),
                ("shm", "/tmp"))  # POSIX shared memory lands in the bounded scratch
HOSTNAME = "sandbox"
SCRATCH = "/tmp"
# One inode per 4 KiB of scratch: deep or wide trees of empty files stay bounded too.
BYTES_PER_INODE = 4096
_BASE = "/tmp"  # where the first, transient root is mounted (any existing folder would do)
_OLD = "/oldroot"
_NEW = "/newroot"
_RO = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV


@dataclass(frozen=True)
class RootPlan:
    """What the child's root holds, as host paths."""

    binds: tuple[str, ...]  # bound read-only at the same path
    links: tuple[tuple[str, str], ...]  # (path, target): a symlink in the new root
    hidden: tuple[str, ...]  # covered by an empty, unreadable filesystem
    sources: str  # the grader's folder of sources, copied into the scratch
    scratch_mb: int
    uid: int


def plan_root(
    sources: str, hidden: tuple[str, ...], scratch_mb: int, uid: int,
    course_root: Path, package_dir: Path,
) -> RootPlan:
    """The allow-list: system libraries, the interpreter's prefixes and import path, the package.

    Of ``sys.path`` only the entries something was imported from are kept: the
    zygote's first entry is the folder the grader was started in, which may
    well be a class folder. An entry that holds a course checkout (the course
    root, or a folder with ``reference/`` or ``quizzes/`` in it) is left out;
    only the ``autograder`` package itself is bound from it, ``graders/`` hidden.
    """
    wanted = [*SYSTEM_PATHS, sys.prefix, sys.base_prefix, sys.exec_prefix,
              sys.base_exec_prefix, *import_roots()]
    binds: set[str] = {str(package_dir)}
    links: dict[str, str] = {}
    for path in wanted:
        if not os.path.isabs(path) or not os.path.exists(path):
            continue
        real = os.path.realpath(path)
        if _reveals_course(Path(real), course_root) or _reserved(real):
            continue
        binds.add(real)
        if os.path.islink(path):
            links[path] = os.readlink(path)
    kept: list[str] = []
    for path in sorted(binds):  # a parent sorts before its children
        if not any(path.startswith(parent + "/") for parent in kept):
            kept.append(path)
    covered = (*hidden, str(package_dir / "graders"))
    return RootPlan(tuple(kept), tuple(sorted(links.items())), tuple(dict.fromkeys(covered)),
                    sources, scratch_mb, uid)


@functools.cache
def import_roots() -> tuple[str, ...]:
    """The ``sys.path`` entries that at least one loaded module was imported from.

    The zygote calls this once after its imports: in a forked child, visiting
    every module would copy thousands of shared pages (reference counts).
    """
    files = [f for m in list(sys.modules.values())
             if isinstance(f := getattr(m, "__file__", None), str)]
    used = []
    for entry in sys.path:
        if entry and os.path.isabs(entry):
            prefixes = (entry.rstrip("/") + "/", os.path.realpath(entry) + "/")
            if any(f.startswith(prefixes) for f in files):
                used.append(entry)
    return tuple(used)


def _reveals_course(path: Path, course_root: Path) -> bool:
    # Not "a parent of the package": after `pip install .` that is site-packages.
    if path == course_root or path in course_root.parents:
        return True
    return (path / "reference").is_dir() or (path / "quizzes").is_dir()


def _reserved(path: str) -> bool:
    """Nothing is bound over the scratch, /dev or /proc, nor inside /dev or /proc.

    A folder *inside* /tmp (a course or environment kept there) is bound inside
    the scratch, read-only.
    """
    if any(path == top or top.startswith(path.rstrip("/") + "/")
           for top in (SCRATCH, "/dev", "/proc")):
        return True
    return path.startswith(("/dev/", "/proc/"))


class RootRefused(IsolationError):
    """The OS refused the first steps; the host's root is still in place and unchanged."""


def build_root(plan: RootPlan) -> None:
    """Replace this mount namespace's root by the planned one; the cwd ends in the scratch.

    Raises:
        RootRefused: nothing was changed (the child may go on with reduced isolation).
        IsolationError: a later step failed, leaving the root half built.
    """
    try:
        private_mounts()
        mount("tmpfs", _BASE, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0700")
    except IsolationError as exc:
        raise RootRefused(exc.errno, exc.strerror) from exc
    try:
        os.chdir(_BASE)
        os.mkdir(_NEW[1:], 0o755)
        os.mkdir(_OLD[1:], 0o700)
        pivot_root(".", _OLD[1:])
    except OSError as exc:
        os.chdir("/")
        with contextlib.suppress(OSError):
            detach(_BASE)
        raise RootRefused(exc.errno, f"pivot_root: {exc.strerror}") from exc
    os.chdir("/")
    mount("tmpfs", _NEW, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
    _scratch(plan)  # first: a bound folder under /tmp must land inside it, not under it
    for path in plan.binds:
        _bind(_OLD + path, _NEW + path)
    for path, target in plan.links:
        if not os.path.lexists(_NEW + path):
            os.makedirs(os.path.dirname(_NEW + path), mode=0o755, exist_ok=True)
            os.symlink(target, _NEW + path)
    _devices()
    os.mkdir(_NEW + "/proc", 0o555)
    mount("proc", _NEW + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    for path in plan.hidden:
        _cover(_NEW + path)
    mount(None, _NEW, None, _RO)
    # bwrap's second pivot: the new root stacked over the transient one, which is then
    # unmounted from under it with the host's root inside it (one lazy unmount of the
    # whole tree, so one wait for the kernel instead of two).
    os.chdir(_NEW)
    pivot_root(".", ".")
    detach(".")
    os.chdir(SCRATCH)


def _scratch(plan: RootPlan) -> None:
    target = _NEW + SCRATCH
    os.mkdir(target)
    size = max(1, plan.scratch_mb)  # tmpfs reads a size of 0 as "no limit"
    inodes = max(1024, size * (1 << 20) // BYTES_PER_INODE)
    mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV,
          f"size={size}m,nr_inodes={inodes},mode=0700,uid={plan.uid},gid={plan.uid}")
    shutil.copytree(_OLD + plan.sources, target, symlinks=True, dirs_exist_ok=True)
    for folder, dirs, files in os.walk(target):
        for name in (*dirs, *files):
            os.chown(os.path.join(folder, name), plan.uid, plan.uid, follow_symlinks=False)


def _bind(source: str, target: str) -> None:
    if os.path.isdir(source):
        os.makedirs(target, mode=0o755, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
        if not os.path.exists(target):
            os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o444))
    # Not recursive: a mount under an allowed folder stays out of sight.
    mount(source, target, None, MS_BIND)
    mount(None, target, None, _RO)


def _devices() -> None:
    dev = _NEW + "/dev"
    os.mkdir(dev, 0o755)
    mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,nr_inodes=64,mode=0755")
    for name in DEVICES:
        if not os.path.exists(f"{_OLD}/dev/{name}"):
            continue  # an unusual host; student code then sees the device missing
        os.close(os.open(f"{dev}/{name}", os.O_CREAT | os.O_WRONLY, 0o666))
        mount(f"{_OLD}/dev/{name}", f"{dev}/{name}", None, MS_BIND)
    for name, target in DEVICE_LINKS:
        os.symlink(target, f"{dev}/{name}")
    mount(None, dev, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NOEXEC)


def _cover(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY,
              "size=4k,nr_inodes=2,mode=000")
    elif os.path.lexists(path) and not os.path.islink(path):
        mount(_NEW + "/dev/null", path, None, MS_BIND)
