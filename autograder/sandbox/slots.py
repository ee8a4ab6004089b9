"""A grader process's own sandbox slot, held exclusively for its lifetime across the machine.

A sandboxed child runs as user ``BASE_UID + slot`` (the trusted model child as
``BASE_UID + slot + 5000``). Under reduced isolation a session's close kills
every process of that user and sweeps its files, so two grading runs at once
(two terminals, a regrade during a class run, two test sessions) must never
share a slot. Each slot has a lock file, held with ``flock`` while the slot is
in use: the kernel drops it when the holder closes it or dies, even by SIGKILL.

The lock files live in a folder only the grader's user may enter: under root
``/run/convgrade-slots``, elsewhere ``convgrade-slots-<uid>`` in the system's
temporary folder. A sandboxed child under reduced isolation shares the host's
/tmp, so the folder and every lock file are opened without following links and
refused unless they belong to the grader's own user; a student can neither hold
a slot's lock nor point the grader elsewhere.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

# Slots 0..SLOT_LIMIT-1; the trusted model children's users start at SLOT_LIMIT.
SLOT_LIMIT = 5000
ROOT_DIR = Path("/run/convgrade-slots")


class SlotError(RuntimeError):
    """No slot could be claimed: all are taken, or the lock folder is not safe to use."""


@dataclass
class SlotClaim:
    """One claimed slot; its lock is held until :meth:`release` or the process's end."""

    slot: int
    fd: int | None

    def release(self) -> None:
        """Give the slot back (closing the lock file drops the lock)."""
        fd, self.fd = self.fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)

    def __enter__(self) -> SlotClaim:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __del__(self) -> None:
        self.release()


def default_lock_dir() -> Path:
    """Where this user's grader processes keep their slot locks."""
    if os.geteuid() == 0 and ROOT_DIR.parent.is_dir():
        return ROOT_DIR
    return Path(tempfile.gettempdir()) / f"convgrade-slots-{os.geteuid()}"


def claim_slot(preferred: int = 0, *, lock_dir: Path | None = None,
               limit: int = SLOT_LIMIT) -> SlotClaim:
    """Claim the first free slot at or above ``preferred`` (below ``limit``) for this process."""
    if not 0 <= preferred < limit:
        raise SlotError(f"slot {preferred} is outside 0..{limit - 1}")
    dir_fd = _open_lock_dir(lock_dir or default_lock_dir())
    try:
        for slot in range(preferred, limit):
            fd = _open_lock_file(dir_fd, slot)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            return SlotClaim(slot, fd)
    finally:
        os.close(dir_fd)
    raise SlotError(f"every sandbox slot from {preferred} to {limit - 1} is in use by "
                    "another grading run on this machine; wait for one to finish")


def _open_lock_dir(path: Path) -> int:
    with contextlib.suppress(FileExistsError):
        os.mkdir(path, 0o700)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as error:
        raise SlotError(f"the slot lock folder {path} cannot be opened safely: {error}") from None
    info = os.fstat(fd)
    if info.st_uid != os.geteuid():
        os.close(fd)
        raise SlotError(f"the slot lock folder {path} belongs to uid {info.st_uid}, "
                        f"not to this grader (uid {os.geteuid()}); remove it")
    if stat.S_IMODE(info.st_mode) & 0o077:
        os.fchmod(fd, 0o700)  # ours, but others could enter it: close it to them
    return fd


def _open_lock_file(dir_fd: int, slot: int) -> int:
    name = f"slot-{slot}.lock"
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
    try:
        fd = os.open(name, flags, 0o600, dir_fd=dir_fd)
    except OSError as error:
        raise SlotError(f"the slot lock file {name} cannot be opened safely: {error}") from None
    info = os.fstat(fd)
    if info.st_uid != os.geteuid() or not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise SlotError(f"the slot lock file {name} is not a file of this grader's user")
    return fd
