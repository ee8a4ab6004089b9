"""Write and read the files of a grading run; every write is atomic."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from autograder.paths import OutputLayout


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` so that readers see the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
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
