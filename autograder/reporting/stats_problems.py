"""Class analytics of what went wrong: diagnosed misconceptions, errors and time limits."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from autograder.grading.results import QUIZ
from autograder.reporting.stats_items import rounded

_TIMEOUT_TEXT = re.compile(r"time limit|ran out of time|^Stopped:", re.IGNORECASE)


@dataclass
class MisconceptionStats:
    """One diagnosed mistake: how many submissions showed it and where."""

    code: str
    submissions: int
    share: float
    tests: dict[str, int]  # test name -> submissions diagnosed there
    students: list[str] = field(default_factory=list)  # the submissions that made it


@dataclass
class ErrorStats:
    """Submissions that hit errors or time limits."""

    with_errors: list[str] = field(default_factory=list)
    timeouts: list[str] = field(default_factory=list)
    kinds: dict[str, int] = field(default_factory=dict)  # error kind -> submissions

    @property
    def error_count(self) -> int:
        return len(self.with_errors)

    @property
    def timeout_count(self) -> int:
        return len(self.timeouts)


def graded_tests(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The hidden tests of a stored result, without its quiz items."""
    return [t for t in result.get("tests", []) if t.get("exercise") != QUIZ]


def stored_id(test: dict[str, Any]) -> str:
    """A stored test's stable id (its name in results written before tests had ids)."""
    return str(test.get("id") or test["name"])


def id_labels(results: list[dict[str, Any]]) -> dict[str, str]:
    """Each test id's label: the name it has in the first result holding it."""
    labels: dict[str, str] = {}
    for result in results:
        for test in graded_tests(result):
            labels.setdefault(stored_id(test), test["name"])
    return labels


def misconception_stats(results: list[dict[str, Any]]) -> list[MisconceptionStats]:
    """Each diagnosed misconception: how many submissions, in which tests, by whom."""
    showing: Counter[str] = Counter()
    where: dict[str, Counter[str]] = defaultdict(Counter)
    who: dict[str, list[str]] = defaultdict(list)
    labels = id_labels(results)
    for result in results:
        seen: dict[str, set[str]] = defaultdict(set)
        for test in graded_tests(result):
            for tag in test.get("tags", []):
                if tag.startswith("misconception:"):
                    seen[tag.split(":", 1)[1]].add(stored_id(test))
        for code, ids in seen.items():
            showing[code] += 1
            where[code].update({labels[tid] for tid in ids})
            who[code].append(str(result["submission"]))
    n = len(results)
    return [
        MisconceptionStats(
            code=code,
            submissions=count,
            share=rounded(count / n),
            tests=dict(sorted(where[code].items(), key=lambda kv: (-kv[1], kv[0]))),
            students=sorted(who[code]),
        )
        for code, count in sorted(showing.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def error_stats(results: list[dict[str, Any]]) -> ErrorStats:
    """The submissions with errors or time limits, and how often each kind of error came."""
    stats = ErrorStats()
    kinds: Counter[str] = Counter()
    for result in results:
        sid = str(result["submission"])
        errors = [str(e) for e in result.get("errors", [])]
        tests = graded_tests(result)
        found = {str(t["details"]["error"]) for t in tests if t.get("details", {}).get("error")}
        timed_out = "timeout" in found or any(_TIMEOUT_TEXT.search(e) for e in errors)
        timed_out = timed_out or any(
            t["status"] != "passed" and _TIMEOUT_TEXT.search(t.get("output", "")) for t in tests
        )
        if errors:
            stats.with_errors.append(sid)
        if timed_out:
            stats.timeouts.append(sid)
            found.add("timeout")
        kinds.update(found)
    stats.kinds = dict(sorted(kinds.items()))
    return stats
