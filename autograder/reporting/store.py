"""Write and read the files of a grading run; every write is atomic.

A write that fails because the disk is full raises :class:`DiskFull`: that is
the run's problem, not the submission's, so the run stops (a later run resumes
where it stopped) instead of recording the failure as the student's result.
"""

from __future__ import annotations

import errno
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from autograder.course.paths import OutputLayout

_NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT})


class DiskFull(OSError):
    """The disk (or quota) holding the output folder or the scratch space is full."""


def disk_full(exc: BaseException) -> DiskFull | None:
    """``exc`` as a :class:`DiskFull` when it says no space was left, else None."""
    if isinstance(exc, DiskFull):
        return exc
    if isinstance(exc, OSError) and exc.errno in _NO_SPACE:
        return DiskFull(exc.errno, f"{exc.strerror} ({exc.filename or 'while grading'})")
    return None


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` so that readers see the old file or the new one, never half of one.

    Raises:
        DiskFull: no space was left on the device (or in the quota).
    """
    try:
        _write_atomic(path, text)
    except OSError as exc:
        if exc.errno in _NO_SPACE and not isinstance(exc, DiskFull):
            raise DiskFull(exc.errno, f"{exc.strerror} while writing {path}") from exc
        raise


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # A short temporary name: the final name may already be close to the length limit.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
    try:
        # Student text may hold lone surrogates (valid in JSON, not in UTF-8): escape them.
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_result(layout: OutputLayout, data: dict[str, Any]) -> None:
    """Store a serialized result as ``results/<id>.json``."""
    write_text_atomic(layout.result(data["submission"]), json.dumps(data, indent=2) + "\n")


def read_result(path: Path) -> dict[str, Any] | None:
    """A stored result, or None when the file is missing or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and "submission" in data else None


def is_graded(layout: OutputLayout, submission_id: str) -> bool:
    """Whether ``submission_id`` has a stored result that can be read."""
    return read_result(layout.result(submission_id)) is not None


def load_results(layout: OutputLayout) -> tuple[list[dict[str, Any]], list[str]]:
    """Every stored result, sorted by submission id, and the names of unreadable files."""
    results, unreadable = [], []
    for path in sorted(layout.results.glob("*.json")):
        data = read_result(path)
        if data is None:
            unreadable.append(path.name)
        else:
            results.append(data)
    results.sort(key=lambda r: r["submission"])
    return results, unreadable
