"""The TA web app driven in Debian's Chromium through Playwright, as a TA uses it."""

from __future__ import annotations

import csv
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from capabilities import CHROMIUM
from click.testing import CliRunner
from werkzeug.serving import make_server
from workspace_samples import graded_class

from autograder.cli import main
from autograder.workspace.web import make_app

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = [pytest.mark.slow, pytest.mark.needs_browser]
TOKEN = "browser-test-token"


@pytest.fixture
def app_url(tmp_path: Path) -> Iterator[str]:
    graded_class(tmp_path, {"ann": False, "bob": True, "cat": True})
    server = make_server("127.0.0.1", 0, make_app(tmp_path, TOKEN), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/?token={TOKEN}"
    finally:
        server.shutdown()


@pytest.fixture
def page() -> Iterator[sync_api.Page]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            tab = browser.new_page()
            tab.set_default_timeout(10_000)
            yield tab
        finally:
            browser.close()


def _rows(page: sync_api.Page) -> list[str]:
    return page.locator("tr.row").evaluate_all("rows => rows.map(r => r.dataset.submission)")


def test_filter_adjust_reload_regenerate(app_url: str, page: sync_api.Page, tmp_path: Path):
    """Filter by a misconception, adjust with a comment, reload, regenerate: the change shows."""
    page.goto(app_url)
    assert _rows(page) == ["ann", "bob", "cat"]
    page.select_option("#misconception", "kernel-flipped")
    page.click("#apply")
    page.wait_for_url("**misconception=kernel-flipped**")
    assert _rows(page) == ["bob", "cat"]

    page.click("text=bob")
    page.select_option("#target", "test:convolution.conv_forward[random]")
    page.fill("#points", "3")
    page.fill("#comment", "right idea, kernel flipped once")
    page.fill("#author", "kim")
    page.click("#save")
    assert "saved the adjustment" in page.inner_text(".message")
    page.reload()
    assert page.inner_text("#score") == "7 / 8"
    assert "right idea, kernel flipped once" in page.inner_text("#tests")

    assert CliRunner().invoke(main, ["report", str(tmp_path)]).exit_code == 0
    report = (tmp_path / "reports" / "bob.html").read_text()
    assert "right idea, kernel flipped once" in report
    with (tmp_path / "gradebook.csv").open(newline="") as handle:
        bob = next(r for r in csv.DictReader(handle) if r["submission"] == "bob")
    assert (bob["score"], bob["adjustments"]) == ("7", "3")
    page.goto(app_url.split("?")[0] + "submission/bob/report")
    assert "From the course staff" in page.inner_text("body")


def test_sort_and_similarity_flag_filter(app_url: str, page: sync_api.Page, tmp_path: Path):
    """Sorting by score puts the best first; the similarity filter keeps only flagged rows."""
    (tmp_path / "similarity").mkdir()
    (tmp_path / "similarity" / "pairs.csv").write_text("a,b,score\nbob,cat,0.95\nann,bob,0.1\n")
    page.goto(app_url)
    page.click("th a:text-is('score')")
    page.wait_for_url("**sort=score&desc=1")
    assert _rows(page)[0] == "ann"
    page.click("th a:text-is('score')")  # the second click reverses the order
    page.wait_for_url("**sort=score&desc=0")
    assert _rows(page)[-1] == "ann"
    page.check("input[name=flagged]")
    page.click("#apply")
    page.wait_for_url("**flagged=1**")
    assert sorted(_rows(page)) == ["bob", "cat"]
    assert page.locator("tr.row .flag").count() == 2
