"""Class analytics computed from stored result dictionaries (no plotting, no files).

Item statistics (pass rates, discrimination) count attempts only: a test of a
function that was never started (an untouched stub, a missing function, a
submission with no work at all) and an unanswered quiz question are counted
separately as not attempted, so they cannot make every item look alike.

Item discrimination is the item-rest correlation: the Pearson correlation
between a submission's fraction of an item's points and its percent score on
everything else. For a pass/fail test that is the point-biserial correlation.
It is None when it cannot be estimated (fewer than three submissions hold the
item, or the item or the rest score does not vary).

Tests are counted by their stable id (``<exercise>.<function>[<case>]``) and
shown under their label, so a reworded docstring never splits a test in two.
"""

from __future__ import annotations

import json
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from autograder.course.table import course_table
from autograder.grading.results import QUIZ
from autograder.reporting.stats_items import (
    QuestionStats,
    discrimination,
    item_and_rest,
    percent,
    quiz_stats,
    rate,
    rounded,
)
from autograder.reporting.stats_problems import (
    ErrorStats,
    MisconceptionStats,
    error_stats,
    graded_tests,
    id_labels,
    misconception_stats,
    stored_id,
)

DISCRIMINATION_METHOD = "item-rest point-biserial correlation"

# "Output shape [same-stride2]" -> base "Output shape", case "same-stride2".
_PARAMETRIZED = re.compile(r"^(?P<base>.*\S)\s*\[(?P<case>[^\[\]]*)\]$")
_UNTOUCHED = re.compile(r"NotImplementedError: \w+ is not implemented yet")


@dataclass
class ScoreSummary:
    """Summary of the class's percent scores."""

    mean: float
    median: float
    stdev: float | None  # sample standard deviation; None below two submissions
    min: float
    max: float


@dataclass
class TestStats:
    """How one hidden test went across the class."""

    __test__ = False  # a result type, not a pytest test class

    name: str
    exercise: str
    attempts: int
    passed: int
    pass_rate: float | None  # None when nobody attempted it
    discrimination: float | None
    not_attempted: int = 0


@dataclass
class TestGroupStats:
    """A parametrized test's cases pooled under its base name."""

    __test__ = False

    name: str
    exercise: str
    cases: int
    attempts: int
    passed: int
    pass_rate: float | None
    all_cases_rate: float | None  # share of submissions that passed every case they ran


@dataclass
class ClassStats:
    """Everything ``convgrade stats`` reports about one grading run."""

    n: int
    scores: ScoreSummary | None
    percents: dict[str, float]  # submission id -> percent score
    exercises: dict[str, float]  # exercise -> mean percent, course order
    tests: list[TestStats]
    test_groups: list[TestGroupStats]
    quiz: list[QuestionStats]
    misconceptions: list[MisconceptionStats]
    errors: ErrorStats
    discrimination_method: str = DISCRIMINATION_METHOD
    no_work: list[str] = field(default_factory=list)  # submissions with nothing done at all

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (tuples become lists)."""
        data = asdict(self)
        data["errors"]["error_count"] = self.errors.error_count
        data["errors"]["timeout_count"] = self.errors.timeout_count
        return json.loads(json.dumps(data))


def compute_stats(results: list[dict[str, Any]]) -> ClassStats:
    """Class statistics for serialized results (``SubmissionResult.to_gradescope_dict``)."""
    results = sorted(results, key=lambda r: str(r["submission"]))
    percents = {str(r["submission"]): percent(r["score"], r["max_score"]) for r in results}
    tests = _test_stats(results)
    return ClassStats(
        n=len(results),
        scores=_summary(list(percents.values())),
        percents={k: rounded(v) for k, v in percents.items()},
        exercises=_exercise_means(results),
        tests=tests,
        test_groups=_group_stats(results),
        quiz=quiz_stats(results),
        misconceptions=misconception_stats(results),
        errors=error_stats(results),
        no_work=[str(r["submission"]) for r in results if r.get("no_work")],
    )


def split_test_name(name: str) -> tuple[str, str | None]:
    """A test name's base and its parametrization id (None when it has none)."""
    match = _PARAMETRIZED.match(name)
    return (match["base"], match["case"]) if match else (name, None)


def _summary(values: list[float]) -> ScoreSummary | None:
    if not values:
        return None
    return ScoreSummary(
        mean=rounded(statistics.fmean(values)),
        median=rounded(statistics.median(values)),
        stdev=rounded(statistics.stdev(values)) if len(values) > 1 else None,
        min=rounded(min(values)),
        max=rounded(max(values)),
    )


def _exercise_means(results: list[dict[str, Any]]) -> dict[str, float]:
    shares: dict[str, list[float]] = defaultdict(list)
    for result in results:
        for name, totals in result.get("exercises", {}).items():
            if totals.get("max_score"):
                shares[name].append(percent(totals["score"], totals["max_score"]))
    order = {name: i for i, name in enumerate((*course_table().names, QUIZ))}
    return {
        name: rounded(statistics.fmean(shares[name]))
        for name in sorted(shares, key=lambda n: (order.get(n, len(order)), n))
    }


def attempted(result: dict[str, Any], test: dict[str, Any]) -> bool:
    """Whether a test's outcome reflects work: not an untouched stub, a missing function, or
    a submission with no work at all."""
    if result.get("no_work"):
        return False
    if test["status"] == "passed":
        return True
    if test.get("details", {}).get("error") == "missing":
        return False
    return not _UNTOUCHED.search(test.get("output", ""))


def _test_stats(results: list[dict[str, Any]]) -> list[TestStats]:
    # key -> [(fraction of item points, rest percent)], one pair per attempting submission
    pairs: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    passed: Counter[tuple[str, str]] = Counter()
    skipped: Counter[tuple[str, str]] = Counter()
    labels = id_labels(results)
    for result in results:
        for test in graded_tests(result):
            key = (test.get("exercise", ""), stored_id(test))
            pairs.setdefault(key, [])
            if not attempted(result, test):
                skipped[key] += 1
                continue
            pairs[key].append(item_and_rest(result, test["score"], test["max_score"]))
            passed[key] += test["status"] == "passed"
    return [
        TestStats(
            name=labels[tid],
            exercise=exercise,
            attempts=len(pairs[(exercise, tid)]),
            passed=passed[(exercise, tid)],
            pass_rate=rate(passed[(exercise, tid)], len(pairs[(exercise, tid)])),
            discrimination=discrimination(pairs[(exercise, tid)]),
            not_attempted=skipped[(exercise, tid)],
        )
        for exercise, tid in _course_order(pairs)
    ]


def _group_stats(results: list[dict[str, Any]]) -> list[TestGroupStats]:
    cases: dict[tuple[str, str], set[str]] = defaultdict(set)
    attempts: Counter[tuple[str, str]] = Counter()
    passed: Counter[tuple[str, str]] = Counter()
    clean: Counter[tuple[str, str]] = Counter()  # submissions passing every case
    takers: Counter[tuple[str, str]] = Counter()
    labels: dict[tuple[str, str], str] = {}  # (exercise, base id) -> base label
    for result in results:
        failed_here: dict[tuple[str, str], bool] = {}
        for test in graded_tests(result):
            base, case = split_test_name(stored_id(test))
            if case is None or not attempted(result, test):
                continue
            labels.setdefault((test.get("exercise", ""), base), split_test_name(test["name"])[0])
            key = (test.get("exercise", ""), base)
            cases[key].add(case)
            attempts[key] += 1
            ok = test["status"] == "passed"
            passed[key] += ok
            failed_here[key] = failed_here.get(key, False) or not ok
        for key, failed in failed_here.items():
            takers[key] += 1
            clean[key] += not failed
    return [
        TestGroupStats(
            name=labels[(exercise, base)],
            exercise=exercise,
            cases=len(cases[(exercise, base)]),
            attempts=attempts[(exercise, base)],
            passed=passed[(exercise, base)],
            pass_rate=rate(passed[(exercise, base)], attempts[(exercise, base)]),
            all_cases_rate=rate(clean[(exercise, base)], takers[(exercise, base)]),
        )
        for exercise, base in _course_order(cases)
    ]


def _course_order(keys: Any) -> list[tuple[str, str]]:
    # A stable sort keeps the graders' own order of tests within each exercise.
    order = {name: i for i, name in enumerate(course_table().names)}
    return sorted(keys, key=lambda k: (order.get(k[0], len(order)), k[0]))


def output_folder_problem(out: Path, verb: str) -> str | None:
    """Why ``convgrade VERB OUT`` cannot work on ``out``, or None when it holds results."""
    results = out / "results"
    if not results.is_dir():
        return (
            f"{out} is not a grading output folder (it has no results/); run "
            f"`convgrade {verb} OUT` on the folder you gave to `convgrade grade --out`"
        )
    if not any(results.glob("*.json")):
        return f"{results} holds no results yet; grade some submissions first"
    return None
