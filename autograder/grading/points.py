"""Points policies: a declaration of points, applied to the grader's original points.

A points file is TOML with up to three tables::

    [exercises]      # an exercise's total (or the quiz's: quiz = 20)
    model = 40
    [tests]          # one test's points, by its stable id (shown in each report)
    "convolution.conv_forward_random" = 6
    [quiz]           # one quiz question's points
    conv_advantages = 2

The declaration is applied to the ORIGINAL points every time, never to the
current ones, so applying it twice changes nothing, a second policy replaces
the first, and an empty file means the defaults. A named test gets its points;
the other tests of a named exercise share what is left of its total in
proportion to their original points. Each stored item keeps what it earned
under the original points (``default_score`` / ``default_max_score``), so
scores stay exact.

``convgrade report OUT --points FILE`` stores the declaration in
``OUT/points.toml``; every later ``grade`` (``--regrade`` and late
submissions included) and ``report`` on that OUT use it until it is replaced.
Unknown exercises, tests and questions are errors with a suggestion.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.course.table import course_table
from autograder.grading.results import (
    QUIZ,
    QuizItemResult,
    SubmissionResult,
    TestOutcome,
)

TABLES = ("exercises", "tests", "quiz")
STORED_NAME = "points.toml"


@dataclass(frozen=True)
class PointsPolicy:
    """Points per exercise total, per test id and per quiz question."""

    exercises: Mapping[str, float] = field(default_factory=dict)
    tests: Mapping[str, float] = field(default_factory=dict)
    quiz: Mapping[str, float] = field(default_factory=dict)


def stored_policy_path(out: Path) -> Path:
    """Where an OUT folder keeps its points policy."""
    return Path(out) / STORED_NAME


def parse_policy(text: str, where: str) -> PointsPolicy:
    """Read a points declaration; raise ValueError naming ``where`` and the bad entry."""
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        raise ValueError(f"{where}: {exc}") from exc
    unknown = set(data) - set(TABLES)
    if unknown:
        names = ", ".join(_suggest(n, TABLES, "a table") for n in sorted(unknown))
        raise ValueError(f"{where}: unknown table(s): {names}")
    tables = {}
    for table in TABLES:
        entries = data.get(table, {})
        if not isinstance(entries, dict):
            raise ValueError(f"{where}: {table} must be a table, [{table}]")
        for name, value in entries.items():
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"{where}: [{table}] {name!r} must be a non-negative number")
        tables[table] = {name: float(value) for name, value in entries.items()}
    return PointsPolicy(**tables)


def load_policy(path: Path) -> PointsPolicy:
    """Read a points file; raise ValueError naming the bad entry."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot be read ({exc})") from exc
    return parse_policy(text, str(path))


def stored_policy(out: Path) -> PointsPolicy | None:
    """The policy stored in OUT, or None when there is none (the defaults apply)."""
    path = stored_policy_path(out)
    return load_policy(path) if path.is_file() else None


def store_policy(out: Path, text: str) -> Path:
    """Keep the declaration ``text`` in OUT, replacing any earlier one."""
    from autograder.reporting.store import write_text_atomic

    path = stored_policy_path(out)
    write_text_atomic(path, text)
    return path


def validate(policy: PointsPolicy, results: Iterable[dict[str, Any]]) -> list[str]:
    """Every entry of ``policy`` that names no exercise, test or question of ``results``."""
    tests: dict[str, str] = {}  # id -> label
    exercises: set[str] = {*course_table().names, QUIZ}
    questions: set[str] = set()
    for data in results:
        result = SubmissionResult.from_dict(data)
        tests.update({t.id: t.name for t in result.tests})
        exercises.update(t.exercise for t in result.tests)
        questions.update(q.id for q in result.quiz)
    problems = [
        f"[exercises] {_suggest(n, sorted(exercises), 'an exercise')}"
        for n in policy.exercises if n not in exercises
    ]
    by_label = {label: tid for tid, label in tests.items()}
    for name in policy.tests:
        if name in tests:
            continue
        question = name.removeprefix(f"{QUIZ}.")
        if question != name and question in questions:
            problems.append(
                f"[tests] {name!r} is a quiz question; set it under [quiz] as {question} = ..."
            )
        elif name in by_label:
            problems.append(
                f"[tests] {name!r} is a test's label, which may be reworded; "
                f"use its id {by_label[name]!r}"
            )
        else:
            problems.append(f"[tests] {_suggest(name, sorted(tests), 'a test id')}")
    problems += [
        f"[quiz] {_suggest(n, sorted(questions), 'a quiz question')}"
        for n in policy.quiz if n not in questions
    ]
    return problems


def declare_policy(out: Path, path: Path, results: Iterable[dict[str, Any]]) -> PointsPolicy:
    """Check the points file ``path`` against OUT's results and store it in OUT.

    Raises:
        ValueError: the file is unreadable or names unknown entries (all listed).
    """
    policy = load_policy(path)
    results = list(results)
    problems = validate(policy, results)
    for data in results if not problems else []:
        try:
            rescore(data, policy)
        except ValueError as exc:
            problems.append(str(exc))
            break
    if problems:
        raise ValueError(f"{path}: " + "; ".join(problems) + ". Nothing was changed")
    store_policy(out, path.read_text(encoding="utf-8"))
    return policy


def _suggest(name: str, known: Sequence[str], kind: str) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"{name!r} is not {kind}{hint}"


def rescore(data: dict[str, Any], policy: PointsPolicy) -> dict[str, Any]:
    """A stored result under ``policy``, computed from its original points (input unchanged).

    Raises:
        ValueError: the items named for an exercise (or the quiz) exceed its total.
    """
    result = SubmissionResult.from_dict(data)
    for item in [*result.tests, *result.quiz]:
        _remember_defaults(item)
    groups: dict[str, list[TestOutcome | QuizItemResult]] = {}
    for test in result.tests:
        groups.setdefault(test.exercise, []).append(test)
    if result.quiz:
        groups[QUIZ] = list(result.quiz)
    for group, items in groups.items():
        named = policy.quiz if group == QUIZ else policy.tests
        _apportion(group, items, named, policy.exercises.get(group))
    rescored = result.to_gradescope_dict()
    rescored["execution_time"] = data.get("execution_time", rescored["execution_time"])
    return rescored


def _apportion(
    group: str,
    items: Sequence[TestOutcome | QuizItemResult],
    named: Mapping[str, float],
    total: float | None,
) -> None:
    """Named items get their points; the others share what is left of ``total`` (or keep theirs)."""
    others = [i for i in items if i.id not in named]
    for item in items:
        if item.id in named:
            _set_points(item, named[item.id])
    if total is None:
        for item in others:
            _set_points(item, _original(item))
        return
    left = total - sum(named[i.id] for i in items if i.id in named)
    if left < -1e-9:
        raise ValueError(
            f"the points named for {group} add up to more than its total {total:g} in [exercises]"
        )
    original = sum(_original(i) for i in others)
    for item in others:
        share = _original(item) / original if original else 1 / len(others)
        _set_points(item, max(left, 0.0) * share)


def rescore_or_keep(data: dict[str, Any], policy: PointsPolicy) -> dict[str, Any]:
    """``rescore``, or ``data`` with a warning when the policy cannot hold for it; never raises."""
    try:
        return rescore(data, policy)
    except ValueError as exc:
        warning = f"points policy not applied: {exc}"
        return {**data, "warnings": [*data.get("warnings", []), warning]}


def _remember_defaults(item: TestOutcome | QuizItemResult) -> None:
    if item.default_max_score is None or item.default_score is None:
        item.default_max_score = item.max_score
        item.default_score = item.score


def _original(item: TestOutcome | QuizItemResult) -> float:
    return float(item.default_max_score if item.default_max_score is not None else item.max_score)


def _set_points(item: TestOutcome | QuizItemResult, points: float) -> None:
    """``points`` for ``item``, earning the share of them it earned under the original points."""
    original = _original(item)
    earned = float(item.default_score or 0.0)
    fraction = earned / original if original else 0.0
    item.max_score = points
    item.score = points * fraction


def shown_parts(parts: Sequence[float], decimals: int = 2) -> tuple[list[float], float]:
    """``parts`` and their sum rounded for display so that the shown parts add up to the shown sum.

    Largest-remainder rounding: the sum is rounded, then each part is rounded
    down and the units left over go to the parts with the largest remainders.
    """
    scale = 10**decimals
    total_units = round(sum(parts) * scale)
    floors = [int((p * scale) // 1) for p in parts]
    rest = total_units - sum(floors)
    remainders = [p * scale - f for p, f in zip(parts, floors, strict=True)]
    order = sorted(range(len(parts)), key=lambda i: remainders[i], reverse=True)
    for i in order[: max(rest, 0)]:
        floors[i] += 1
    return [f / scale for f in floors], total_units / scale
