"""Rescore stored results under a points policy, running no student code.

A points file is TOML with up to three tables::

    [exercises]      # an exercise's total; its tests are scaled in proportion
    model = 40
    [tests]          # one test's points, by the name shown in the report
    "conv_forward matches TensorFlow on random cases" = 6
    [quiz]           # one quiz question's points
    conv_advantages = 2

Each stored test keeps the fraction of its points it earned, so rescoring is
exact and can be repeated or undone with another policy.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.results import SubmissionResult


@dataclass(frozen=True)
class PointsPolicy:
    """Points per exercise total, per test name and per quiz question."""

    exercises: Mapping[str, float] = field(default_factory=dict)
    tests: Mapping[str, float] = field(default_factory=dict)
    quiz: Mapping[str, float] = field(default_factory=dict)


def load_policy(path: Path) -> PointsPolicy:
    """Read a points file; raise ValueError naming the bad entry."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: {exc}") from exc
    unknown = set(data) - {"exercises", "tests", "quiz"}
    if unknown:
        raise ValueError(f"{path}: unknown table(s) {sorted(unknown)}")
    tables = {}
    for table in ("exercises", "tests", "quiz"):
        entries = data.get(table, {})
        for name, value in entries.items():
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"{path}: [{table}] {name!r} must be a non-negative number")
        tables[table] = {name: float(value) for name, value in entries.items()}
    return PointsPolicy(**tables)


def rescore(data: dict[str, Any], policy: PointsPolicy) -> dict[str, Any]:
    """A stored result re-expressed under ``policy`` (the input is not modified)."""
    result = SubmissionResult.from_dict(data)
    for name, total in policy.exercises.items():
        own = [t for t in result.tests if t.exercise == name]
        current = sum(t.max_score for t in own)
        for test in own:
            share = test.max_score / current if current else 1 / len(own)
            _set_points(test, total * share)
    for test in result.tests:
        if test.name in policy.tests:
            _set_points(test, policy.tests[test.name])
    for item in result.quiz:
        if item.id in policy.quiz:
            _set_points(item, policy.quiz[item.id])
    rescored = result.to_gradescope_dict()
    rescored["execution_time"] = data.get("execution_time", rescored["execution_time"])
    return rescored


def _set_points(item: Any, points: float) -> None:
    fraction = item.score / item.max_score if item.max_score else 0.0
    item.max_score = points
    item.score = points * fraction
