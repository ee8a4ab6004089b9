"""The course configuration a TA keeps in ``OUT/course.toml``: assignment name and late policy.

Example::

    [assignment]
    name = "CNN assignment"          # the Canvas column
    [late]
    deadline = 2026-03-01T23:59:00Z
    grace_minutes = 15               # forgiven lateness
    penalty_per_day = 10             # percent of the earned score per started day late
    max_penalty = 50                 # percent, the cap
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

CONFIG_NAME = "course.toml"


@dataclass(frozen=True)
class LatePolicy:
    """The deadline, grace period and the penalty per started day late (percent, capped)."""

    deadline: datetime
    grace_minutes: float = 0.0
    penalty_per_day: float = 10.0
    max_penalty: float = 100.0


@dataclass(frozen=True)
class CourseConfig:
    """The course configuration: the assignment's name and its late policy, if any."""

    assignment: str = "convgrade"
    late: LatePolicy | None = None


@dataclass(frozen=True)
class LateOutcome:
    """How late one submission was and what it costs, explained for the student."""

    days_late: int
    fraction: float  # of the earned score
    explanation: str


def load_config(out: Path) -> CourseConfig:
    """``OUT/course.toml``, or the defaults (no late policy) when there is none.

    Raises:
        ValueError: the file is malformed; the message names the entry.
    """
    path = out / CONFIG_NAME
    if not path.exists():
        return CourseConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: {exc}") from exc
    unknown = set(data) - {"assignment", "late"}
    if unknown:
        raise ValueError(f"{path}: unknown table(s) {sorted(unknown)}")
    assignment = str(data.get("assignment", {}).get("name", "convgrade"))
    late = _late(path, data["late"]) if "late" in data else None
    return CourseConfig(assignment=assignment, late=late)


def _late(path: Path, table: dict[str, Any]) -> LatePolicy:
    unknown = set(table) - {"deadline", "grace_minutes", "penalty_per_day", "max_penalty"}
    if unknown:
        raise ValueError(f"{path}: [late] has unknown key(s) {sorted(unknown)}")
    deadline = table.get("deadline")
    if isinstance(deadline, date) and not isinstance(deadline, datetime):
        deadline = datetime.combine(deadline, datetime.max.time())
    if not isinstance(deadline, datetime):
        raise ValueError(f"{path}: [late] deadline must be a date-time such as 2026-03-01T23:59Z")
    numbers = {}
    for key in ("grace_minutes", "penalty_per_day", "max_penalty"):
        if key in table:
            value = table[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"{path}: [late] {key} must be a non-negative number")
            numbers[key] = float(value)
    if numbers.get("max_penalty", 0) > 100:
        raise ValueError(f"{path}: [late] max_penalty is a percentage, at most 100")
    return LatePolicy(deadline=_utc(deadline), **numbers)


def _utc(value: datetime) -> datetime:
    # A deadline without a zone is read as UTC, the zone convgrade stores times in.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def lateness(policy: LatePolicy, submitted: datetime, extension_days: float = 0.0) -> LateOutcome:
    """The penalty for a submission made at ``submitted`` under ``policy`` and an extension."""
    due = policy.deadline + timedelta(days=extension_days)
    late = _utc(submitted) - due
    granted = f" (with an extension of {extension_days:g} days)" if extension_days else ""
    if late <= timedelta(minutes=policy.grace_minutes):
        return LateOutcome(0, 0.0, "")
    days = math.ceil(late / timedelta(days=1))
    percent = min(policy.max_penalty, policy.penalty_per_day * days)
    capped = " (the maximum)" if percent == policy.max_penalty else ""
    return LateOutcome(
        days_late=days,
        fraction=percent / 100.0,
        explanation=(
            f"Submitted {_human(late)} after the deadline of {due:%Y-%m-%d %H:%M} UTC{granted}: "
            f"{days} day(s) late at {policy.penalty_per_day:g}% per day, "
            f"a penalty of {percent:g}%{capped} of the points earned."
        ),
    )


def _human(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.1f} hours" if hours < 48 else f"{hours / 24:.1f} days"
