"""TA decisions applied to stored results for reports and the gradebook.

The result files keep the automatic scores; what ``convgrade report`` shows is
a copy with each target's latest adjustment, the comments and the late penalty
applied, so a regrade or a points policy never loses a decision and a decision
is never applied twice.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from autograder.course.paths import OutputLayout
from autograder.grading.results import QUIZ
from autograder.reporting.store import read_result
from autograder.workspace import store
from autograder.workspace.course_config import CONFIG_NAME, LateOutcome, lateness, load_config
from autograder.workspace.schema import DB_NAME, open_db
from autograder.workspace.store import Adjustment


@dataclass(frozen=True)
class Target:
    """One adjustable line of a result: a hidden test or a quiz question."""

    kind: store.TargetKind
    id: str
    label: str
    score: float
    max_score: float


def targets(result: dict[str, Any]) -> list[Target]:
    """Every test and question of a stored result that a TA can adjust."""
    found = []
    for test in result.get("tests", []):
        if test.get("exercise") == QUIZ:
            qid = str(test.get("id", "")).removeprefix(f"{QUIZ}.")
            found.append(Target("question", qid, test["name"], test["score"], test["max_score"]))
        else:
            found.append(
                Target("test", test.get("id") or test["name"], test["name"], test["score"],
                       test["max_score"])
            )
    return found


def find_target(result: dict[str, Any], kind: store.TargetKind, target: str) -> Target:
    """The named target of ``result``.

    Raises:
        KeyError: no such test or question; the message suggests close ids.
    """
    options = [t for t in targets(result) if t.kind == kind]
    for option in options:
        if option.id == target:
            return option
    ids = [o.id for o in options]
    close = [i for i in ids if target and target in i][:3] or difflib.get_close_matches(
        target, ids, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise KeyError(f"{result['submission']} has no {kind} {target!r}{hint}")


def apply_decisions(
    result: dict[str, Any], adjustments: Sequence[Adjustment], late: LateOutcome | None
) -> dict[str, Any]:
    """A copy of ``result`` with adjustments, comments and the late penalty applied."""
    # Copy only what may change: a deep copy of every test's details costs more than
    # everything else on a class of a thousand.
    shown = dict(result)
    shown["exercises"] = {k: dict(v) for k, v in result.get("exercises", {}).items()}
    if adjustments:
        shown["tests"] = [dict(t) for t in result.get("tests", [])]
        shown["quiz"] = {k: dict(v) for k, v in result.get("quiz", {}).items()}
    notes: list[str] = []
    entries = {
        (
            "question" if t.get("exercise") == QUIZ else "test",
            str(t.get("id", "")).removeprefix(f"{QUIZ}.") if t.get("exercise") == QUIZ
            else (t.get("id") or t["name"]),
        ): t
        for t in shown.get("tests", [])
    }
    delta = 0.0
    # Only the latest points decision per target counts; every comment is shown.
    latest = {(a.kind, a.target): a.id for a in adjustments if a.points is not None}
    for adj in adjustments:
        if adj.points is not None and latest[(adj.kind, adj.target)] != adj.id:
            continue
        entry = entries.get((adj.kind, adj.target))
        who = f"{adj.author}, {adj.created_at:%Y-%m-%d}"
        if entry is None:
            notes.append(f"A note on {adj.target} ({who}) no longer matches a {adj.kind}: "
                         f"{adj.comment}")
            continue
        if adj.points is None:
            notes.append(f"{entry['name']} ({who}): {adj.comment}")
            continue
        before = float(entry.get("automatic_score", entry["score"]))
        entry["automatic_score"] = before
        entry["score"] = float(adj.points)
        entry["output"] = f"{entry.get('output', '')}\nTA adjustment: {adj.comment}".strip()
        notes.append(f"{entry['name']}: {before:g} → {adj.points:g} of "
                     f"{entry['max_score']:g} points ({who}): {adj.comment}")
    for entry in entries.values():
        if "automatic_score" in entry:
            delta += entry["score"] - entry["automatic_score"]
            if entry.get("exercise") == QUIZ:
                qid = str(entry["id"]).removeprefix(f"{QUIZ}.")
                if qid in shown.get("quiz", {}):
                    shown["quiz"][qid]["score"] = entry["score"]
    _retotal(shown)
    penalty = 0.0
    if late is not None and late.fraction:
        # In points shown with two decimals, so the gradebook's columns still add up.
        penalty = round(shown["score"] * late.fraction, 2)
        shown["score"] = round(shown["score"] - penalty, 4)
        notes.append(f"Late penalty: −{penalty:g} points. {late.explanation}")
    shown["ta_notes"] = notes
    shown["gradebook_extra"] = {
        "adjustments": f"{round(delta, 4):g}",
        "late_penalty": f"{penalty:g}",
        "days_late": str(late.days_late if late else 0),
    }
    return shown


def _retotal(result: dict[str, Any]) -> None:
    totals: dict[str, float] = {}
    for test in result.get("tests", []):
        totals[test.get("exercise", "")] = totals.get(test.get("exercise", ""), 0.0) + test["score"]
    for name, entry in result.get("exercises", {}).items():
        entry["score"] = round(totals.get(name, 0.0), 4)
    result["score"] = round(sum(totals.values()), 4)


def has_workspace(out: Path) -> bool:
    """Whether ``out`` has a TA workspace: its database or its course configuration."""
    return (out / DB_NAME).exists() or (out / CONFIG_NAME).exists()


def apply_workspace(
    out: Path, results: Sequence[dict[str, Any]], *, record: bool = True
) -> list[dict[str, Any]]:
    """The results as reports and the gradebook show them; unchanged without a workspace.

    With ``record``, also keeps each result in the attempt history (a result seen
    before adds nothing).
    """
    if not has_workspace(out):
        return list(results)
    config = load_config(out)
    engine = open_db(out)
    try:
        by_submission: dict[str, list[Adjustment]] = {}
        for adj in store.adjustments(engine):
            by_submission.setdefault(adj.submission, []).append(adj)
        times = store.submitted_at(engine)
        granted = store.extensions(engine)
        shown = []
        for result in results:
            if record:
                store.record_attempt(engine, result)
            sid = result["submission"]
            late = None
            if config.late is not None and sid in times:
                days = granted[sid].days if sid in granted else 0.0
                late = lateness(config.late, times[sid], days)
            shown.append(apply_decisions(result, by_submission.get(sid, []), late))
        if config.late is None and not by_submission:
            # Nothing decided yet: reports and gradebook stay exactly the automatic ones.
            return list(results)
        return shown
    finally:
        engine.dispose()


def adjust(
    out: Path,
    submission: str,
    kind: store.TargetKind,
    target: str,
    points: float | None,
    comment: str,
    author: str,
) -> Adjustment:
    """Store one adjustment after checking it against the stored result.

    Raises:
        KeyError: no result for ``submission``, or no such test or question.
        ValueError: points outside 0..max for the target, or an empty comment.
    """
    result = read_result(OutputLayout(out).result(submission))
    if result is None:
        raise KeyError(f"no stored result for submission {submission!r} in {out}")
    found = find_target(result, kind, target)
    if not comment.strip():
        raise ValueError("say why: the comment is shown to the student")
    if points is not None and not 0 <= points <= found.max_score:
        raise ValueError(f"points for {target} must be between 0 and {found.max_score:g}")
    adjustment = Adjustment(submission, kind, target, points, comment.strip(), author,
                            store.now())
    engine = open_db(out)
    try:
        return replace(adjustment, id=store.add_adjustment(engine, adjustment))
    finally:
        engine.dispose()
