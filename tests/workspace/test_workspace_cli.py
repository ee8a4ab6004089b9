"""The TA workspace commands through argv and exit codes."""

from __future__ import annotations

import csv
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from click.testing import CliRunner
from workspace_samples import graded_class

from autograder.cli import main
from autograder.workspace.synthetic import synthetic_class

FLIP = "convolution.conv_forward[random]"


def _run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_adjust_then_report(tmp_path: Path):
    """`adjust` stores a decision that `report` puts into the gradebook and the report."""
    graded_class(tmp_path, {"bob": True})
    done = _run("adjust", str(tmp_path), "bob", "--test", FLIP, "--points", "3",
                "--comment", "one sign", "--by", "kim")
    assert done.exit_code == 0, done.output
    assert FLIP in done.output  # shown literally, not eaten as markup
    assert _run("report", str(tmp_path)).exit_code == 0
    with (tmp_path / "gradebook.csv").open(newline="") as handle:
        [row] = list(csv.DictReader(handle))
    assert (row["score"], row["adjustments"]) == ("7", "3")
    assert "one sign" in (tmp_path / "reports" / "bob.md").read_text()


def test_adjust_refuses_bad_arguments(tmp_path: Path):
    """Both or neither of --test/--question, or an unknown id, exit non-zero."""
    graded_class(tmp_path, {"bob": True})
    base = [str(tmp_path), "bob", "--points", "1", "--comment", "x"]
    assert _run("adjust", *base).exit_code == 2
    assert _run("adjust", *base, "--test", FLIP, "--question", "q").exit_code == 2
    unknown = _run("adjust", *base, "--question", "nope")
    assert unknown.exit_code == 1 and "no question" in unknown.output


def test_roster_times_and_canvas_export(tmp_path: Path):
    """Roster and LMS times load; the Canvas export applies the late penalty and lists everyone."""
    out = tmp_path / "out"
    graded_class(out, {"ann": False, "bob": False})
    (out / "course.toml").write_text(
        '[assignment]\nname = "CNN"\n[late]\ndeadline = 2026-03-01T00:00:00Z\n'
        "penalty_per_day = 25\n")
    roster = tmp_path / "roster.csv"
    roster.write_text("submission,name,student_id,extension_days\n"
                      "ann,Ann,11,\nbob,Bob,12,3\ndan,Dan,14,\n")
    times = tmp_path / "times.csv"
    times.write_text("submission,submitted_at\nann,2026-03-02T12:00Z\nbob,2026-03-02T12:00Z\n")
    assert _run("roster", str(out), str(roster)).exit_code == 0
    assert _run("times", str(out), str(times)).exit_code == 0
    done = _run("export", "canvas", str(out), str(tmp_path / "c.csv"), "--roster", str(roster))
    assert done.exit_code == 0 and "dan" in done.output
    rows = {r[0]: r[-1] for r in csv.reader((tmp_path / "c.csv").open())}
    assert rows == {"Student": "CNN", "Points Possible": "8", "Ann": "4", "Bob": "8", "Dan": ""}


def test_similarity_command(tmp_path: Path):
    """`similarity OUT` ranks the kept sources; with fewer than two it exits non-zero."""
    assert _run("similarity", str(tmp_path)).exit_code == 1
    for sid, files in synthetic_class(20, copy_of=4, seed=1).items():
        for name, text in files.items():
            (tmp_path / "sources" / sid).mkdir(parents=True, exist_ok=True)
            (tmp_path / "sources" / sid / name).write_text(text)
    done = _run("similarity", str(tmp_path))
    assert done.exit_code == 0 and "1 pair(s) flagged" in done.output
    first = (tmp_path / "similarity" / "pairs.csv").read_text().splitlines()[1]
    assert first.startswith("copy,s0004,")


def test_serve_prints_url_and_listens_on_loopback(tmp_path: Path):
    """`serve` prints one line with the URL and token, answers it, and refuses without it."""
    graded_class(tmp_path, {"ann": False})
    process = subprocess.Popen([sys.executable, "-m", "autograder", "serve", str(tmp_path)],
                               stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        url = line.split()[-1]
        assert url.startswith("http://127.0.0.1:") and "token=" in url
        base = url.split("?")[0]
        try:
            urllib.request.urlopen(base, timeout=10)
            raise AssertionError("answered without the token")
        except urllib.error.HTTPError as exc:
            assert exc.code == 403
        # The token moves into a cookie on the first visit, as in a browser.
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        with browser.open(url, timeout=10) as page:
            assert b'data-submission="ann"' in page.read()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_report_with_bad_course_config_says_why(tmp_path: Path):
    """A malformed course.toml stops `report` with a message naming it, not a traceback."""
    graded_class(tmp_path, {"ann": False})
    (tmp_path / "course.toml").write_text("[late]\npenalty_per_day = 5\n")
    done = CliRunner().invoke(main, ["report", str(tmp_path)])
    assert done.exit_code == 2 and "deadline" in done.output
    assert done.exception is None or isinstance(done.exception, SystemExit)


def test_serve_and_export_refuse_a_folder_without_results(tmp_path: Path):
    """`serve` and `export canvas` on a folder with no results exit non-zero with a message."""
    roster = tmp_path / "roster.csv"
    roster.write_text("submission,name,student_id\nann,Ann,1\n")
    (tmp_path / "empty").mkdir()
    for args in (["serve", str(tmp_path / "empty")],
                 ["export", "canvas", str(tmp_path / "empty"), str(tmp_path / "c.csv"),
                  "--roster", str(roster)]):
        done = CliRunner().invoke(main, args)
        assert done.exit_code != 0 and "result" in done.output, done.output
    assert not (tmp_path / "c.csv").exists()
