"""Typed reads and writes of the gradebook database."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from workspace_samples import sample_result

from autograder.workspace import store
from autograder.workspace.schema import open_db


def test_roster_round_trip(tmp_path: Path):
    """A saved roster reads back entry for entry, and saving again replaces it."""
    engine = open_db(tmp_path)
    entries = [store.RosterEntry("b", "Bo", "2"), store.RosterEntry("a", "Al", "1", "al", "S1")]
    store.save_roster(engine, entries)
    assert store.load_roster(engine) == sorted(entries, key=lambda e: e.submission)
    store.save_roster(engine, entries[:1])
    assert store.load_roster(engine) == entries[:1]


def test_every_distinct_attempt_is_kept(tmp_path: Path):
    """Each new result is a new attempt; the same result seen again adds nothing."""
    engine = open_db(tmp_path)
    assert store.record_attempt(engine, sample_result("a", flipped=True))
    assert not store.record_attempt(engine, sample_result("a", flipped=True))
    assert store.record_attempt(engine, sample_result("a"))
    assert [a.score for a in store.attempts(engine, "a")] == [4.0, 8.0]


def test_adjustments_keep_who_when_why(tmp_path: Path):
    """An adjustment reads back with its author, time (UTC) and comment, oldest first."""
    engine = open_db(tmp_path)
    when = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    first = store.Adjustment("a", "test", "t1", 2.0, "partial credit", "kim", when)
    second = store.Adjustment("a", "question", "q1", None, "see me", "lee", when)
    store.add_adjustment(engine, first)
    store.add_adjustment(engine, second)
    got = store.adjustments(engine, "a")
    assert [(g.author, g.comment, g.points, g.created_at) for g in got] == [
        ("kim", "partial credit", 2.0, when), ("lee", "see me", None, when)]


def test_lms_time_outranks_file_time(tmp_path: Path):
    """A time from the LMS is kept when the grader later records the file's time."""
    engine = open_db(tmp_path)
    lms = datetime(2026, 3, 1, 12, tzinfo=UTC)
    store.set_submitted_at(engine, {"a": lms}, "lms")
    store.set_submitted_at(engine, {"a": datetime(2026, 3, 5, tzinfo=UTC)}, "file",
                           keep_lms=True)
    assert store.submitted_at(engine) == {"a": lms}


def test_regrade_request_is_resolved(tmp_path: Path):
    """A regrade request is open until resolved, then keeps the resolution and who."""
    engine = open_db(tmp_path)
    rid = store.add_regrade_request(engine, store.RegradeRequest("a", "t1", "why 0?", store.now()))
    assert store.regrade_requests(engine, "a")[0].status == "open"
    store.resolve_regrade_request(engine, rid, "accepted", "gave 2 points", "kim")
    done = store.regrade_requests(engine, "a")[0]
    assert (done.status, done.resolution, done.resolved_by) == ("accepted", "gave 2 points", "kim")
    with pytest.raises(KeyError):
        store.resolve_regrade_request(engine, rid + 1, "rejected", "", "kim")


def test_extension_replaced_and_removed(tmp_path: Path):
    """Granting again replaces an extension; zero days removes it."""
    engine = open_db(tmp_path)
    store.set_extension(engine, store.Extension("a", 2, "ill"))
    store.set_extension(engine, store.Extension("a", 3, "ill"))
    assert store.extensions(engine)["a"].days == 3
    store.set_extension(engine, store.Extension("a", 0))
    assert store.extensions(engine) == {}
