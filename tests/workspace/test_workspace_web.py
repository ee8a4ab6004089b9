"""The TA web app through Flask's test client: login, pages and forms."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from workspace_samples import graded_class

from autograder.reporting.regenerate import regenerate
from autograder.workspace import store
from autograder.workspace.schema import open_db
from autograder.workspace.synthetic import synthetic_class
from autograder.workspace.web import make_app

TOKEN = "secret-token"


@pytest.fixture
def client(tmp_path: Path):
    graded_class(tmp_path, {"ann": False, "bob": True, "cat": True})
    client = make_app(tmp_path, TOKEN).test_client()
    login = client.get(f"/?token={TOKEN}")
    assert login.status_code == 302  # the token moves to a cookie
    return client


def test_requests_without_token_are_refused(tmp_path: Path):
    """Every page answers 403 without the token, and a wrong token does not log in."""
    graded_class(tmp_path, {"ann": False})
    client = make_app(tmp_path, TOKEN).test_client()
    for url in ("/", "/submission/ann", "/misconceptions", "/similarity", "/?token=wrong"):
        assert client.get(url).status_code == 403
    assert client.post("/submission/ann/adjust", data={}).status_code == 403


def test_class_table_filters_by_misconception(client):
    """Filtering by a misconception leaves only the students who made it."""
    page = client.get("/?misconception=kernel-flipped").get_data(as_text=True)
    assert 'data-submission="bob"' in page and 'data-submission="cat"' in page
    assert 'data-submission="ann"' not in page


def test_adjust_form_writes_database(client, tmp_path: Path):
    """Posting the form stores the adjustment; the page and `report` show it."""
    response = client.post("/submission/bob/adjust", data={
        "target": "test:convolution.conv_forward[random]", "points": "3",
        "comment": "one flip only", "author": "kim"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "saved the adjustment" in page and "one flip only" in page
    assert '<span id="score">7 / 8</span>' in page
    [saved] = store.adjustments(open_db(tmp_path), "bob")
    assert (saved.points, saved.author) == (3.0, "kim")
    regenerate(tmp_path)
    assert "one flip only" in (tmp_path / "reports" / "bob.html").read_text()


def test_bad_adjustment_is_explained(client, tmp_path: Path):
    """Points above the maximum are refused with a message and nothing is stored."""
    page = client.post("/submission/bob/adjust", data={
        "target": "test:convolution.conv_forward[random]", "points": "9", "comment": "x"},
        follow_redirects=True).get_data(as_text=True)
    assert "not saved" in page and "between 0 and 4" in page
    assert store.adjustments(open_db(tmp_path)) == []


def test_submission_page_shows_code_and_report(client):
    """One submission shows its kept code with the failing function marked, and its report."""
    page = client.get("/submission/bob").get_data(as_text=True)
    assert "def zero_pad" in page
    report = client.get("/submission/bob/report").get_data(as_text=True)
    assert "Feedback for bob" in report
    assert client.get("/submission/nobody").status_code == 404


def test_regrade_request_round_trip(client, tmp_path: Path):
    """A regrade request is recorded, filtered for while open, then resolved from the page."""
    client.post("/submission/bob/regrade", data={"target": "t", "message": "please look"})
    [request] = store.regrade_requests(open_db(tmp_path), "bob")
    waiting = client.get("/?requests=1").get_data(as_text=True)
    assert 'data-submission="bob"' in waiting and 'data-submission="ann"' not in waiting
    client.post(f"/regrade/{request.id}", data={"submission": "bob", "status": "accepted",
                                                "resolution": "fixed", "author": "kim"})
    page = client.get("/submission/bob").get_data(as_text=True)
    assert "please look" in page and "accepted: fixed (kim)" in page
    assert 'data-submission="bob"' not in client.get("/?requests=1").get_data(as_text=True)


def test_misconception_and_similarity_pages(client):
    """The misconception page names each code's students; similarity says how to compute it."""
    page = client.get("/misconceptions").get_data(as_text=True)
    assert "kernel-flipped: 2 student(s)" in page and "/submission/bob" in page
    assert "convgrade similarity OUT" in client.get("/similarity").get_data(as_text=True)


def test_extension_form_removes_lateness(client, tmp_path: Path):
    """An extension granted on the page makes a late submission on time."""
    (tmp_path / "course.toml").write_text(
        "[late]\ndeadline = 2026-03-01T00:00:00Z\npenalty_per_day = 50\n")
    engine = open_db(tmp_path)
    store.set_submitted_at(engine, {"ann": datetime(2026, 3, 2, 12, tzinfo=UTC)}, "lms")
    assert "2 day(s) late" in client.get("/submission/ann").get_data(as_text=True)
    page = client.post("/submission/ann/extension", data={"days": "3", "reason": "ill"},
                       follow_redirects=True).get_data(as_text=True)
    assert "extension set to 3 days" in page and "day(s) late" not in page
    assert '<span id="score">8 / 8</span>' in page


def test_pair_view_marks_shared_lines(client, tmp_path: Path):
    """The pair page shows both versions side by side with the shared lines marked."""
    students = synthetic_class(3, copy_of=1, seed=2)
    for sid in ("copy", "s0001"):
        for name, text in students[sid].items():
            (tmp_path / "sources" / sid / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / "sources" / sid / name).write_text(text)
    page = client.get("/similarity/pair?a=copy&b=s0001").get_data(as_text=True)
    assert "copy and s0001: 1.00" in page and page.count('class="mark"') > 20
    assert client.get("/similarity/pair?a=copy&b=nobody").status_code == 404


def test_test_row_link_preselects_target(client):
    """A test's id links to the form with that test chosen."""
    page = client.get("/submission/bob").get_data(as_text=True)
    assert "?target=test%3Aconvolution.conv_forward%5Brandom%5D#adjust" in page
    chosen = client.get("/submission/bob?target=test:convolution.conv_forward[random]")
    assert 'value="test:convolution.conv_forward[random]" selected' in chosen.get_data(
        as_text=True)


def test_pair_view_stays_inside_out(client, tmp_path: Path):
    """A submission name that climbs out of OUT reads nothing."""
    (tmp_path / "secret.py").write_text("def key():\n    return 1\n")  # OUT/sources/..
    assert client.get("/similarity/pair?a=..&b=..").status_code == 404


def test_student_code_is_escaped(client, tmp_path: Path):
    """Markup in a student's code is shown as text, never run in the TA's browser."""
    (tmp_path / "sources" / "bob" / "convolution.py").write_text(
        "def zero_pad(X, pad):\n    return '</td><script>alert(1)</script>'\n")
    page = client.get("/submission/bob").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
