"""CSV files a TA brings from the LMS: the roster and the submission times."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from autograder.workspace import store
from autograder.workspace.schema import open_db
from autograder.workspace.store import Extension, RosterEntry

REQUIRED = ("submission", "name", "student_id")


@dataclass(frozen=True)
class Roster:
    """A roster file's students and the extensions it grants."""

    entries: list[RosterEntry]
    extensions: list[Extension]


def read_roster(path: Path) -> Roster:
    """Read ``ROSTER.csv``: ``submission,name,student_id`` and optionally
    ``sis_login``, ``section``, ``canvas_id`` and ``extension_days``.

    Raises:
        ValueError: a required column is missing or a row is malformed (named by line).
    """
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: missing column(s) {', '.join(missing)}; "
                             f"the roster needs at least {','.join(REQUIRED)}")
        entries, extensions, seen = [], [], set()
        for line, row in enumerate(reader, start=2):
            submission = (row.get("submission") or "").strip()
            if not submission:
                raise ValueError(f"{path}:{line}: empty submission id")
            if submission in seen:
                raise ValueError(f"{path}:{line}: submission {submission!r} is listed twice")
            seen.add(submission)
            entries.append(RosterEntry(
                submission=submission,
                name=(row.get("name") or "").strip(),
                student_id=(row.get("student_id") or "").strip(),
                sis_login=(row.get("sis_login") or "").strip(),
                section=(row.get("section") or "").strip(),
                canvas_id=(row.get("canvas_id") or "").strip(),
            ))
            days = (row.get("extension_days") or "").strip()
            if days:
                try:
                    value = float(days)
                except ValueError:
                    message = f"{path}:{line}: extension_days {days!r} is not a number"
                    raise ValueError(message) from None
                extensions.append(Extension(submission, value, "roster", "roster"))
    return Roster(entries, extensions)


def read_times(path: Path) -> dict[str, datetime]:
    """An LMS export of submission times: columns ``submission`` and ``submitted_at``
    (ISO 8601; a time without a zone is UTC).

    Raises:
        ValueError: a column is missing or a time cannot be read (named by line).
    """
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = reader.fieldnames or []
        if "submission" not in fields or "submitted_at" not in fields:
            raise ValueError(f"{path}: needs the columns submission,submitted_at")
        times = {}
        for line, row in enumerate(reader, start=2):
            text = (row["submitted_at"] or "").strip()
            try:
                when = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                raise ValueError(f"{path}:{line}: {text!r} is not an ISO 8601 time") from None
            times[row["submission"].strip()] = (
                when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
            )
    return times


def file_time(path: Path) -> datetime:
    """A submission's time from its file: the newest modification inside a folder."""
    if path.is_dir():
        stamps = [p.stat().st_mtime for p in path.rglob("*") if p.is_file()]
        stamp = max(stamps, default=path.stat().st_mtime)
    else:
        stamp = path.stat().st_mtime
    return datetime.fromtimestamp(stamp, UTC)


def import_roster(out: Path, path: Path) -> tuple[int, int]:
    """Replace OUT's roster with ``path`` and grant its extensions; (students, extensions)."""
    roster = read_roster(path)
    engine = open_db(out)
    try:
        store.save_roster(engine, roster.entries)
        for extension in roster.extensions:
            store.set_extension(engine, extension)
    finally:
        engine.dispose()
    return len(roster.entries), len(roster.extensions)


def import_times(out: Path, path: Path) -> int:
    """Store the LMS's submission times from ``path`` in OUT; how many."""
    times = read_times(path)
    engine = open_db(out)
    try:
        store.set_submitted_at(engine, times, "lms")
    finally:
        engine.dispose()
    return len(times)
