"""Rebuild reports and the gradebook from stored results, running no student code."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from autograder.course.paths import OutputLayout
from autograder.grading.points import PointsPolicy, rescore, stored_policy
from autograder.reporting.gradebook import write_gradebook
from autograder.reporting.report import write_all_reports
from autograder.reporting.store import load_results, write_result
from autograder.workspace.apply import apply_workspace


@dataclass
class Regenerated:
    """What ``convgrade report`` rewrote."""

    reports: int = 0
    rescored: int = 0
    unreadable: list[str] = field(default_factory=list)


def regenerate(out: Path, policy: PointsPolicy | None = None) -> Regenerated:
    """Rewrite ``reports/*`` and ``gradebook.csv``, rescoring results first.

    Without ``policy`` the one stored in OUT applies, if any (see ``autograder.grading.points``).
    """
    layout = OutputLayout(out)
    results, unreadable = load_results(layout)
    summary = Regenerated(unreadable=unreadable)
    policy = policy if policy is not None else stored_policy(out)
    if policy is not None:
        results = [rescore(data, policy) for data in results]
        for data in results:
            write_result(layout, data)
        summary.rescored = len(results)
    # TA adjustments, comments and late penalties are shown, never written into results/.
    results = apply_workspace(out, results)
    summary.reports = write_all_reports(layout, results)
    write_gradebook(layout, results)
    return summary
