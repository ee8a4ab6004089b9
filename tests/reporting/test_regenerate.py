"""Tests for autograder.reporting.regenerate: reports and gradebook rebuilt from stored results."""

from pathlib import Path

from autograder.course.paths import OutputLayout
from autograder.grading.points import PointsPolicy
from autograder.grading.results import SubmissionResult, TestOutcome
from autograder.reporting.regenerate import regenerate
from autograder.reporting.store import write_result


def _write_run(root: Path) -> OutputLayout:
    layout = OutputLayout(root)
    layout.ensure()
    for sid, score in (("ann", 3.0), ("ben", 1.0)):
        result = SubmissionResult(
            submission=sid, tests=[TestOutcome("pads", "convolution", score, 3, "passed")]
        )
        write_result(layout, result.to_gradescope_dict())
    return layout


def _snapshot(layout: OutputLayout) -> dict[str, bytes]:
    files = [*layout.reports.iterdir(), layout.gradebook]
    return {p.name: p.read_bytes() for p in sorted(files)}


def test_regeneration_is_identical_and_complete(tmp_path: Path):
    """Two regenerations write the same reports and gradebook for every result."""
    layout = _write_run(tmp_path)
    first = regenerate(tmp_path)
    snapshot = _snapshot(layout)
    for path in layout.reports.iterdir():
        path.unlink()
    second = regenerate(tmp_path)
    assert first.reports == second.reports == 2
    assert _snapshot(layout) == snapshot
    assert sorted(snapshot) == ["ann.html", "ann.md", "ben.html", "ben.md", "gradebook.csv"]


def test_unreadable_results_are_reported_not_fatal(tmp_path: Path):
    """A corrupt result file is listed and the others still get reports."""
    layout = _write_run(tmp_path)
    (layout.results / "broken.json").write_text("{not json")
    done = regenerate(tmp_path)
    assert done.unreadable == ["broken.json"] and done.reports == 2


def test_policy_rescores_stored_results(tmp_path: Path):
    """With a points policy the stored results and the gradebook carry the new points."""
    layout = _write_run(tmp_path)
    done = regenerate(tmp_path, PointsPolicy(exercises={"convolution": 6}))
    assert done.rescored == 2
    assert "ann,6,6," in layout.gradebook.read_text()
    assert '"max_score": 6.0' in layout.result("ben").read_text()
