"""Typed reads and writes of the gradebook database; each write is one transaction."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from autograder.workspace import schema as t

TargetKind = Literal["test", "question"]


def now() -> datetime:
    """The current time, in UTC."""
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    # SQLite stores no zone: every time convgrade writes is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


@dataclass(frozen=True)
class RosterEntry:
    """One student on the roster and the submission id that is theirs."""

    submission: str
    name: str = ""
    student_id: str = ""
    sis_login: str = ""
    section: str = ""
    canvas_id: str = ""  # Canvas's own user id, when the roster came from Canvas


@dataclass(frozen=True)
class Adjustment:
    """A TA's decision on one test or quiz question: new points (or none) and why."""

    submission: str
    kind: TargetKind
    target: str
    points: float | None
    comment: str
    author: str
    created_at: datetime
    id: int = 0


@dataclass(frozen=True)
class Attempt:
    """One grading of a submission as kept in the history: its score and its result's digest."""

    submission: str
    graded_at: datetime
    score: float
    max_score: float
    digest: str
    id: int = 0


@dataclass(frozen=True)
class Extension:
    """Extra days a submission is granted before it counts as late, and why."""

    submission: str
    days: float
    reason: str = ""
    granted_by: str = ""


@dataclass(frozen=True)
class RegradeRequest:
    """A request to look at a grade again, and how a TA resolved it."""

    submission: str
    target: str
    message: str
    requested_at: datetime
    status: str = "open"
    resolution: str = ""
    resolved_by: str = ""
    resolved_at: datetime | None = None
    id: int = 0


# ------------------------------------------------------------------ roster


def save_roster(engine: Engine, entries: Iterable[RosterEntry]) -> int:
    """Replace the roster with ``entries``."""
    rows = [asdict(e) for e in entries]
    with engine.begin() as conn:
        conn.execute(sa.delete(t.roster))
        if rows:
            conn.execute(sa.insert(t.roster), rows)
    return len(rows)


def load_roster(engine: Engine) -> list[RosterEntry]:
    """The roster, ordered by submission id."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.roster).order_by(t.roster.c.submission)).mappings()
        return [RosterEntry(**row) for row in rows]


# ------------------------------------------------------------------ times and attempts


def set_submitted_at(
    engine: Engine, times: dict[str, datetime], origin: str, *, keep_lms: bool = False
) -> None:
    """Store submission times; ``keep_lms`` leaves times that came from the LMS alone."""
    with engine.begin() as conn:
        for submission, when in times.items():
            _set_time(conn, submission, when, origin, keep_lms)


def _set_time(conn: Connection, submission: str, when: datetime, origin: str,
              keep_lms: bool) -> None:
    old = conn.execute(
        sa.select(t.submission_times.c.origin).where(t.submission_times.c.submission == submission)
    ).first()
    if old is not None and keep_lms and old[0] == "lms":
        return
    conn.execute(sa.delete(t.submission_times).where(t.submission_times.c.submission == submission))
    conn.execute(sa.insert(t.submission_times).values(
        submission=submission, submitted_at=when, origin=origin))


def submitted_at(engine: Engine) -> dict[str, datetime]:
    """Each submission's recorded submission time, by submission id."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.submission_times)).mappings()
        return {row["submission"]: _aware(row["submitted_at"]) for row in rows}


def result_digest(result: dict[str, Any]) -> str:
    """A SHA-256 of a result's canonical JSON, to tell unchanged results apart."""
    return hashlib.sha256(json.dumps(result, sort_keys=True).encode()).hexdigest()


def record_attempt(engine: Engine, result: dict[str, Any]) -> bool:
    """Keep ``result`` in the history unless the latest attempt is the same; True if added."""
    with engine.begin() as conn:
        return _add_attempt(conn, result)


def record_graded(engine: Engine, result: dict[str, Any], file_time: datetime) -> None:
    """A fresh result and its file's time, in one transaction (an LMS time outranks it)."""
    with engine.begin() as conn:
        _set_time(conn, result["submission"], file_time, "file", keep_lms=True)
        _add_attempt(conn, result)


def _add_attempt(conn: Connection, result: dict[str, Any]) -> bool:
    digest = result_digest(result)
    submission = result["submission"]
    last = conn.execute(
        sa.select(t.attempts.c.digest)
        .where(t.attempts.c.submission == submission)
        .order_by(t.attempts.c.id.desc())
        .limit(1)
    ).first()
    if last is not None and last[0] == digest:
        return False
    conn.execute(sa.insert(t.attempts).values(
        submission=submission,
        graded_at=now(),
        score=float(result["score"]),
        max_score=float(result["max_score"]),
        digest=digest,
        result=result,
    ))
    return True


def attempts(engine: Engine, submission: str) -> list[Attempt]:
    """The graded attempts of ``submission``, oldest first."""
    query = (
        sa.select(t.attempts.c.id, t.attempts.c.submission, t.attempts.c.graded_at,
                  t.attempts.c.score, t.attempts.c.max_score, t.attempts.c.digest)
        .where(t.attempts.c.submission == submission)
        .order_by(t.attempts.c.id)
    )
    with engine.connect() as conn:
        return [
            Attempt(**(dict(row) | {"graded_at": _aware(row["graded_at"])}))
            for row in conn.execute(query).mappings()
        ]


# ------------------------------------------------------------------ adjustments


def add_adjustment(engine: Engine, adjustment: Adjustment) -> int:
    """Store a TA's adjustment; return the id the database gave it."""
    values = asdict(adjustment)
    values.pop("id")  # the database numbers adjustments
    with engine.begin() as conn:
        return int(conn.execute(sa.insert(t.adjustments).values(**values)).inserted_primary_key[0])


def adjustments(engine: Engine, submission: str | None = None) -> list[Adjustment]:
    """Every adjustment, oldest first (the latest per target is the one that counts)."""
    query = sa.select(t.adjustments).order_by(t.adjustments.c.id)
    if submission is not None:
        query = query.where(t.adjustments.c.submission == submission)
    with engine.connect() as conn:
        return [
            Adjustment(**(dict(row) | {"created_at": _aware(row["created_at"])}))
            for row in conn.execute(query).mappings()
        ]


# ------------------------------------------------------------------ extensions


def set_extension(engine: Engine, extension: Extension) -> None:
    """Replace the extension of a submission; one of zero days removes it."""
    with engine.begin() as conn:
        conn.execute(
            sa.delete(t.extensions).where(t.extensions.c.submission == extension.submission)
        )
        if extension.days > 0:
            conn.execute(sa.insert(t.extensions).values(**asdict(extension)))


def extensions(engine: Engine) -> dict[str, Extension]:
    """Every extension, by submission id."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.extensions)).mappings()
        return {row["submission"]: Extension(**row) for row in rows}


# ------------------------------------------------------------------ regrade requests


def add_regrade_request(engine: Engine, request: RegradeRequest) -> int:
    """Store a regrade request; return the id the database gave it."""
    values = asdict(request)
    values.pop("id")
    with engine.begin() as conn:
        result = conn.execute(sa.insert(t.regrade_requests).values(**values))
        return int(result.inserted_primary_key[0])


def resolve_regrade_request(
    engine: Engine, request_id: int, status: Literal["accepted", "rejected"], resolution: str,
    resolved_by: str,
) -> None:
    """Mark regrade request ``request_id`` accepted or rejected, with who and why."""
    with engine.begin() as conn:
        done = conn.execute(
            sa.update(t.regrade_requests)
            .where(t.regrade_requests.c.id == request_id)
            .values(status=status, resolution=resolution, resolved_by=resolved_by,
                    resolved_at=now())
        )
        if done.rowcount != 1:
            raise KeyError(f"no regrade request {request_id}")


def regrade_requests(engine: Engine, submission: str | None = None) -> list[RegradeRequest]:
    """The regrade requests, oldest first, of one submission or of all."""
    query = sa.select(t.regrade_requests).order_by(t.regrade_requests.c.id)
    if submission is not None:
        query = query.where(t.regrade_requests.c.submission == submission)
    with engine.connect() as conn:
        return [
            RegradeRequest(
                **(dict(row) | {"requested_at": _aware(row["requested_at"]),
                                "resolved_at": _aware(row["resolved_at"])})
            )
            for row in conn.execute(query).mappings()
        ]
