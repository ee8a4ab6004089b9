"""The grader's side of a submission's scratch: the folder its sources are written to.

Under full isolation the child copies the sources into its own size-limited
tmpfs and never writes here, so the folder holds only what the grader wrote.
Under reduced isolation the child works in this folder, so removing it must
survive whatever a student can build in it: :func:`remove_tree` goes to any
depth without recursion and with short paths (``shutil.rmtree`` recurses
once per level and fails on a chain a few thousand folders deep).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import itertools
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_PREFIX_CHARS = 40  # a file name may hold 255 bytes; a submission id may be longer


@contextmanager
def host_scratch(submission_id: str) -> Iterator[Path]:
    """A fresh private folder under the system's temporary folder, removed afterwards."""
    label = _UNSAFE.sub("_", submission_id)[:_PREFIX_CHARS]
    folder = Path(tempfile.mkdtemp(prefix=f"convgrade-{label}-"))
    try:
        yield folder
    finally:
        remove_tree(folder)


def remove_tree(root: Path) -> None:
    """Remove ``root`` and everything in it, however deep, never following a link.

    Each folder found inside a top-level folder is first moved up to the top,
    so every path stays two levels deep and the work is linear in the entries.
    """
    try:
        if root.is_symlink() or not root.is_dir():
            root.unlink(missing_ok=True)
            return
        names = (f".removing-{n}" for n in itertools.count())
        while entries := list(os.scandir(root)):
            for entry in entries:
                if not entry.is_dir(follow_symlinks=False):
                    os.unlink(entry.path)
                    continue
                for inner in list(os.scandir(entry.path)):
                    if inner.is_dir(follow_symlinks=False):
                        os.rename(inner.path, _unused(root, names))
                    else:
                        os.unlink(inner.path)
                os.rmdir(entry.path)
        os.rmdir(root)
    except OSError:
        shutil.rmtree(root, ignore_errors=True)  # e.g. a file system that refuses a rename


def _unused(root: Path, names: Iterator[str]) -> Path:
    for name in names:
        if not os.path.lexists(root / name):
            return root / name
    raise AssertionError("unreachable: the name generator is endless")


SHARED_DIRS = ("/tmp", "/var/tmp", "/dev/shm")
_IPC_RMID = 0


def sweep_user(uid: int, keep: Path) -> None:
    """Remove what ``uid`` left in the shared writable folders and in SysV IPC.

    For reduced isolation, where the child shares the host's /tmp and IPC
    namespace; ``keep`` (the session's own scratch) is left for its owner.
    Call it only once every process of ``uid`` is gone.
    """
    for top in SHARED_DIRS:
        try:
            entries = list(os.scandir(top))
        except OSError:
            continue
        for entry in entries:
            try:
                mine = entry.stat(follow_symlinks=False).st_uid == uid
            except OSError:
                continue
            if mine and Path(entry.path) != keep:
                remove_tree(Path(entry.path))
    if _remove_ipc(uid):
        # Removing another user's IPC object takes CAP_SYS_ADMIN, which a container's
        # root often lacks; the owner itself may always remove it.
        pid = os.fork()
        if pid == 0:
            with contextlib.suppress(BaseException):
                os.setgroups([])
                os.setgid(uid)
                os.setuid(uid)
                _remove_ipc(uid)
            os._exit(0)
        os.waitpid(pid, 0)


def _remove_ipc(uid: int) -> int:
    """Remove the SysV IPC objects of ``uid``; the number this process may not remove."""
    libc = ctypes.CDLL(None, use_errno=True)
    refused = 0
    for kind, remove in (("shm", lambda i: libc.shmctl(i, _IPC_RMID, None)),
                         ("sem", lambda i: libc.semctl(i, 0, _IPC_RMID)),
                         ("msg", lambda i: libc.msgctl(i, _IPC_RMID, None))):
        try:
            rows = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()
        except OSError:
            continue
        for row in rows[1:]:
            fields = dict(zip(rows[0].split(), row.split(), strict=False))
            ident = int(fields[f"{'msq' if kind == 'msg' else kind}id"])
            mine = uid in (int(fields.get("uid", -1)), int(fields.get("cuid", -1)))
            if mine and remove(ident) != 0:
                refused += ctypes.get_errno() == errno.EPERM
    return refused
