"""Item statistics shared by ``autograder.reporting.stats``: the quiz, discrimination, rounding."""

from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np

MIN_FOR_DISCRIMINATION = 3
TOP_WRONG_ANSWERS = 3


@dataclass
class QuestionStats:
    """How one quiz question went across the class."""

    id: str
    attempts: int  # submissions that gave an answer (readable or not)
    correct: int
    correct_rate: float | None
    mean_fraction: float | None  # mean share of the points among attempts, partial included
    statuses: dict[str, int]
    wrong_answers: list[tuple[str, int]]  # most common first; unreadable ones marked so
    discrimination: float | None
    not_attempted: int = 0


def quiz_stats(results: list[dict[str, Any]]) -> list[QuestionStats]:
    """Per-question statistics; unanswered questions count as not attempted."""
    pairs: dict[str, list[tuple[float, float]]] = defaultdict(list)
    statuses: dict[str, Counter[str]] = defaultdict(Counter)
    wrong: dict[str, Counter[str]] = defaultdict(Counter)
    for result in results:
        for qid, item in result.get("quiz", {}).items():
            pairs.setdefault(qid, [])
            statuses[qid][item["status"]] += 1
            if item["status"] == "missing":
                continue  # not attempted: counted in statuses only
            pairs[qid].append(item_and_rest(result, item["score"], item["max_score"]))
            if item["status"] in ("incorrect", "partial", "malformed") and item.get("answer"):
                text = _answer_text(item["answer"])
                wrong[qid][f"{text} (unreadable)" if item["status"] == "malformed" else text] += 1
    out = []
    for qid in sorted(pairs):
        n = len(pairs[qid])
        ranked = sorted(wrong[qid].items(), key=lambda kv: (-kv[1], kv[0]))
        out.append(
            QuestionStats(
                id=qid,
                attempts=n,
                correct=statuses[qid]["correct"],
                correct_rate=rate(statuses[qid]["correct"], n),
                mean_fraction=rounded(statistics.fmean(i for i, _ in pairs[qid])) if n else None,
                statuses=dict(sorted(statuses[qid].items())),
                wrong_answers=ranked[:TOP_WRONG_ANSWERS],
                discrimination=discrimination(pairs[qid]),
                not_attempted=statuses[qid]["missing"],
            )
        )
    return out


def rate(count: int, total: int) -> float | None:
    """count / total, rounded; None when there is nothing to divide by."""
    return rounded(count / total) if total else None


def item_and_rest(result: dict[str, Any], score: float, max_score: float) -> tuple[float, float]:
    """The item's share of its points and the percent score on everything else."""
    item = score / max_score if max_score else 0.0
    rest = percent(result["score"] - score, result["max_score"] - max_score)
    return item, rest


def discrimination(pairs: list[tuple[float, float]]) -> float | None:
    """The item-rest correlation, or None when it cannot be estimated."""
    if len(pairs) < MIN_FOR_DISCRIMINATION:
        return None
    data = np.asarray(pairs, dtype=np.float64)
    if np.ptp(data[:, 0]) == 0 or np.ptp(data[:, 1]) == 0:
        return None
    return rounded(float(np.corrcoef(data[:, 0], data[:, 1])[0, 1]))


def _answer_text(answer: Any) -> str:
    if isinstance(answer, str):
        return answer.strip()
    return json.dumps(answer, sort_keys=True)


def percent(score: float, max_score: float) -> float:
    """A score as a percentage of its maximum (0 when the maximum is 0)."""
    return 100.0 * float(score) / float(max_score) if max_score else 0.0


def rounded(value: float) -> float:
    """Four decimals: enough for rates, stable in JSON."""
    return round(float(value), 4)
