"""The course configuration and the late policy it declares."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from autograder.workspace.course_config import LatePolicy, lateness, load_config

DEADLINE = datetime(2026, 3, 1, 23, 59, tzinfo=UTC)
POLICY = LatePolicy(deadline=DEADLINE, grace_minutes=15, penalty_per_day=10, max_penalty=30)


def test_no_config_means_no_policy(tmp_path: Path):
    """Without OUT/course.toml nothing is late."""
    assert load_config(tmp_path).late is None


def test_config_is_read(tmp_path: Path):
    """The assignment name and every late-policy entry are read; a naive deadline is UTC."""
    (tmp_path / "course.toml").write_text(
        '[assignment]\nname = "CNN"\n[late]\ndeadline = 2026-03-01T23:59:00\n'
        "grace_minutes = 15\npenalty_per_day = 10\nmax_penalty = 30\n")
    config = load_config(tmp_path)
    assert config.assignment == "CNN"
    assert config.late == POLICY


@pytest.mark.parametrize("text, message", [
    ("[late]\ngrace_minutes = 5\n", "deadline"),
    ("[late]\ndeadline = 2026-03-01T00:00:00Z\npenalty_per_day = -1\n", "penalty_per_day"),
    ("[late]\ndeadline = 2026-03-01T00:00:00Z\nmax_penalty = 150\n", "max_penalty"),
    ("[late]\ndeadline = 2026-03-01T00:00:00Z\npenalty = 5\n", "unknown"),
    ("[lates]\n", "unknown"),
])
def test_bad_config_is_named(tmp_path: Path, text: str, message: str):
    """A malformed entry is an error naming it."""
    (tmp_path / "course.toml").write_text(text)
    with pytest.raises(ValueError, match=message):
        load_config(tmp_path)


def test_within_grace_costs_nothing():
    """Ten minutes late under a fifteen-minute grace period is on time."""
    assert lateness(POLICY, DEADLINE + timedelta(minutes=10)).fraction == 0


def test_penalty_per_started_day():
    """Late by 1 day and 1 hour counts two started days at 10% each."""
    outcome = lateness(POLICY, DEADLINE + timedelta(days=1, hours=1))
    assert (outcome.days_late, outcome.fraction) == (2, pytest.approx(0.2))
    assert "2 day(s) late" in outcome.explanation


def test_penalty_is_capped():
    """A week late costs the cap, and the explanation says so."""
    outcome = lateness(POLICY, DEADLINE + timedelta(days=7))
    assert outcome.fraction == pytest.approx(0.3)
    assert "the maximum" in outcome.explanation


def test_extension_moves_the_deadline():
    """Two days' extension makes a submission a day and a half late on time."""
    assert lateness(POLICY, DEADLINE + timedelta(hours=36), extension_days=2).fraction == 0
    assert lateness(POLICY, DEADLINE + timedelta(hours=60), 2).days_late == 1
