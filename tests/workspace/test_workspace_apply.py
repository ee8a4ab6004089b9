"""TA decisions applied to stored results for reports and the gradebook."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from workspace_samples import graded_class, sample_result

from autograder.course.paths import OutputLayout
from autograder.reporting.regenerate import regenerate
from autograder.reporting.store import read_result, write_result
from autograder.workspace import store
from autograder.workspace.apply import adjust, apply_decisions, apply_workspace
from autograder.workspace.course_config import LateOutcome
from autograder.workspace.schema import open_db

WHEN = datetime(2026, 3, 2, tzinfo=UTC)
FLIP = "convolution.conv_forward[random]"


def _adj(points: float | None, comment: str = "why", target: str = FLIP, kind="test"):
    return store.Adjustment("bob", kind, target, points, comment, "kim", WHEN)


def test_adjustment_sets_points_and_totals():
    """An adjusted test earns the new points; its exercise and the total follow."""
    shown = apply_decisions(sample_result("bob", flipped=True), [_adj(3, "one flip")], None)
    assert shown["score"] == 7
    assert shown["exercises"]["convolution"]["score"] == 5
    assert any("0 → 3" in n and "one flip" in n for n in shown["ta_notes"])
    assert shown["gradebook_extra"]["adjustments"] == "3"


def test_latest_adjustment_wins_and_input_is_untouched():
    """Of two adjustments of one test the later counts; the stored result is not modified."""
    result = sample_result("bob", flipped=True)
    shown = apply_decisions(result, [
        store.Adjustment("bob", "test", FLIP, 1, "first", "kim", WHEN, id=1),
        store.Adjustment("bob", "test", FLIP, 2, "second", "kim", WHEN, id=2),
    ], None)
    assert shown["score"] == 6
    assert result["score"] == 4
    assert not any("first" in n for n in shown["ta_notes"])


def test_question_adjustment_and_comment_only():
    """A question can be adjusted; a comment without points changes no score."""
    shown = apply_decisions(sample_result("bob"), [
        _adj(1, "half", "conv_params_32x32x3", "question"), _adj(None, "nice work")], None)
    assert shown["score"] == 7
    assert shown["quiz"]["conv_params_32x32x3"]["score"] == 1
    assert any("nice work" in n for n in shown["ta_notes"])


def test_late_penalty_after_adjustments():
    """The late penalty is a fraction of the adjusted score, shown as its own number."""
    late = LateOutcome(2, 0.25, "two days late")
    shown = apply_decisions(sample_result("bob", flipped=True), [_adj(4)], late)
    assert shown["score"] == 6
    assert shown["gradebook_extra"]["late_penalty"] == "2"
    assert any("two days late" in n for n in shown["ta_notes"])


def test_adjust_checks_target_and_points(tmp_path: Path):
    """Unknown ids get suggestions, points above the maximum and empty comments are refused."""
    graded_class(tmp_path, {"bob": True})
    with pytest.raises(KeyError, match="did you mean"):
        adjust(tmp_path, "bob", "test", "conv_forward", 3, "x", "kim")
    with pytest.raises(ValueError, match="between 0 and 4"):
        adjust(tmp_path, "bob", "test", FLIP, 5, "x", "kim")
    with pytest.raises(ValueError, match="say why"):
        adjust(tmp_path, "bob", "test", FLIP, 3, "  ", "kim")
    with pytest.raises(KeyError, match="no stored result"):
        adjust(tmp_path, "eve", "test", FLIP, 3, "x", "kim")


def test_without_workspace_nothing_changes(tmp_path: Path):
    """An OUT without database or course.toml shows its results as they are, creating nothing."""
    graded_class(tmp_path, {"bob": True})
    result = read_result(tmp_path / "results" / "bob.json")
    assert apply_workspace(tmp_path, [result]) == [result]
    assert not (tmp_path / "gradebook.sqlite").exists()


def test_report_applies_and_survives_regrade(tmp_path: Path):
    """`report` shows adjustment and late penalty, again after a regrade; results stay automatic."""
    graded_class(tmp_path, {"bob": True, "ann": False})
    (tmp_path / "course.toml").write_text(
        "[late]\ndeadline = 2026-03-01T00:00:00Z\npenalty_per_day = 10\n")
    engine = open_db(tmp_path)
    store.set_submitted_at(engine, {"bob": datetime(2026, 3, 1, tzinfo=UTC) + timedelta(hours=5)},
                           "lms")
    adjust(tmp_path, "bob", "test", FLIP, 4, "the flip was our typo", "kim")
    regenerate(tmp_path)
    gradebook = (tmp_path / "gradebook.csv").read_text().splitlines()
    header = gradebook[0].split(",")
    bob = dict(zip(header, gradebook[2].split(","), strict=True))
    assert (bob["score"], bob["late_penalty"], bob["adjustments"]) == ("7.2", "0.8", "4")
    report = (tmp_path / "reports" / "bob.md").read_text()
    assert "the flip was our typo" in report and "Late penalty" in report
    assert read_result(tmp_path / "results" / "bob.json")["score"] == 4
    regenerate(tmp_path)  # applying twice changes nothing
    assert (tmp_path / "gradebook.csv").read_text().splitlines() == gradebook
    assert len(store.attempts(engine, "bob")) == 1
    regraded = sample_result("bob", flipped=True)
    regraded["execution_time"] = 9.0
    write_result(OutputLayout(tmp_path), regraded)  # a regrade writes a new result
    regenerate(tmp_path)
    assert (tmp_path / "gradebook.csv").read_text().splitlines() == gradebook
    assert len(store.attempts(engine, "bob")) == 2
