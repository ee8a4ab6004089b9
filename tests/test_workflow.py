"""The whole course cycle through the command line, as its users run it.

The instructor releases the bundle; a student works in it, runs the self-check
(first with a mistake, then fixed), packs a submission; the instructor grades
the zip and regenerates the report.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder.authoring.examples import MISTAKES, correct_answers
from autograder.course.paths import course
from autograder.course.table import course_table

CONVGRADE = Path(sys.executable).with_name("convgrade")


def _run(*args: str | Path, cwd: Path, expect: int = 0) -> str:
    """Run ``convgrade ARGS`` in ``cwd``; return its output after checking the exit code."""
    env = {**os.environ, "COLUMNS": "200"}
    done = subprocess.run(
        [str(CONVGRADE), *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=600,
    )
    output = done.stdout + done.stderr
    assert done.returncode == expect, f"convgrade {args} exited {done.returncode}:\n{output}"
    return output


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The released student bundle, as the instructor hands it out."""
    root = tmp_path_factory.mktemp("course")
    output = _run("release", root / "cnn-assignment", cwd=root)
    assert "wrote" in output and "leak" not in output
    return root / "cnn-assignment"


@pytest.mark.needs_root
def test_release_check_submit_grade_report(bundle: Path, tmp_path: Path):
    """From the bundle to a graded, reported submission, with the self-check on the way."""
    work = tmp_path / "alice"
    shutil.copytree(bundle, work)

    # Untouched stubs: the self-check fails and says why.
    output = _run("check", "--no-model", cwd=work, expect=1)
    assert "not started yet" in output and "conv_forward" in output

    # The student solves everything but flips the kernel: the check names the mistake.
    for module in course_table().names:
        shutil.copy(course().reference / f"{module}.py", work / f"{module}.py")
    module, override = MISTAKES["kernel-flipped"]
    with (work / f"{module}.py").open("a", encoding="utf-8") as handle:
        handle.write(override)
    output = _run("check", "--no-model", cwd=work, expect=1)
    assert "kernel-flipped" in output or "flipped" in output
    assert "convolution" in output

    # Fixed, with the quiz answered: the self-check passes, the model included.
    shutil.copy(course().reference / "convolution.py", work / "convolution.py")
    (work / "answers.toml").write_text(correct_answers(course()), encoding="utf-8")
    output = _run("check", cwd=work)
    assert "error" not in output.lower()

    # Submit: a zip of the expected files with a manifest, validated like the grader.
    _run("submit", "--out", tmp_path / "inbox" / "alice.zip", cwd=work)
    with zipfile.ZipFile(tmp_path / "inbox" / "alice.zip") as archive:
        names = set(archive.namelist())
    expected = {f"{m}.py" for m in course_table().names} | {"answers.toml", "MANIFEST.json"}
    assert expected <= names and "notebooks/assignment.ipynb" in names

    # The instructor grades the inbox: full marks, the hidden tests included.
    out = tmp_path / "graded"
    output = _run("grade", tmp_path / "inbox", "--out", out, "--workers", "1", cwd=tmp_path)
    assert "alice" in output
    result = json.loads((out / "results" / "alice.json").read_text())
    assert result["errors"] == [] and result["score"] == result["max_score"] > 100
    assert any(t["name"].startswith("quiz: ") for t in result["tests"])

    # A TA regenerates the reports from the stored result alone.
    (out / "reports" / "alice.html").unlink()
    _run("report", out, cwd=tmp_path)
    page = (out / "reports" / "alice.html").read_text(encoding="utf-8")
    assert f"{result['score']:g}" in page and "alice" in page
    rows = (out / "gradebook.csv").read_text(encoding="utf-8").splitlines()
    assert len(rows) == 2 and rows[1].startswith("alice,")


@pytest.mark.needs_root
def test_notebook_student_and_the_cli_traps(bundle: Path, tmp_path: Path):
    """A notebook-only student submits from the bundle root and gets full marks; traps refuse."""
    from autograder.authoring.examples import Sample, build_sample

    work = tmp_path / "bob"
    shutil.copytree(bundle, work)
    filled = build_sample(Sample("nb", form="notebook"), tmp_path / "samples")
    (work / "notebooks" / "assignment.ipynb").write_bytes(filled.read_bytes())

    # The notebooks tell students to check assignment.ipynb; from the root that is a hint.
    output = _run("check", "assignment.ipynb", cwd=work, expect=2)
    assert "convgrade check notebooks/assignment.ipynb" in output

    # Untouched stubs are refused at submit time; the filled notebook is submitted.
    _run("submit", cwd=bundle, expect=1)
    assert not (bundle / "submission.zip").exists()
    output = _run("submit", cwd=work)
    assert "from notebooks/assignment.ipynb" in output and "model.fit(...)" in output
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (work / "submission.zip").rename(inbox / "bob.zip")
    shutil.copytree(bundle, inbox / "carl")
    solo = tmp_path / "class-of-one"
    shutil.copytree(bundle, solo / "dora")

    # Traps: nothing to grade, OUT inside the class, stats or report on a class folder.
    (tmp_path / "empty").mkdir()
    assert "no submissions found" in _run("grade", tmp_path / "empty", "--out", tmp_path / "o",
                                          cwd=tmp_path, expect=2)
    assert not (tmp_path / "o").exists()
    _run("grade", inbox, "--out", inbox / "out", cwd=tmp_path, expect=2)
    _run("stats", inbox, cwd=tmp_path, expect=2)
    _run("report", inbox, cwd=tmp_path, expect=2)
    assert sorted(p.name for p in inbox.iterdir()) == ["bob.zip", "carl"]

    out = tmp_path / "graded"
    output = _run("grade", inbox, solo, "--out", out, "--workers", "1", cwd=tmp_path)
    assert "no work found: carl, dora" in output
    bob = json.loads((out / "results" / "bob.json").read_text())
    assert bob["errors"] == [] and bob["score"] == bob["max_score"] > 100
    assert sorted(p.stem for p in (out / "results").glob("*.json")) == ["bob", "carl", "dora"]

    # A points policy: a typo is refused; a good one survives a regrade, every row sums.
    (tmp_path / "typo.toml").write_text("[exercises]\nmodle = 40\n")
    assert "did you mean 'model'" in _run("report", out, "--points", tmp_path / "typo.toml",
                                          cwd=tmp_path, expect=2)
    (tmp_path / "points.toml").write_text("[exercises]\nmodel = 40\n")
    _run("report", out, "--points", tmp_path / "points.toml", cwd=tmp_path)
    _run("grade", inbox / "carl", "--out", out, "--workers", "1", "--regrade", cwd=tmp_path)
    rows = (out / "gradebook.csv").read_text(encoding="utf-8").splitlines()
    header = rows[0].split(",")
    for row in rows[1:]:
        cells = dict(zip(header, row.split(","), strict=True))
        parts = sum(float(cells[c]) for c in (*course_table().names, "quiz"))
        assert abs(parts - float(cells["score"])) < 1e-9, row
        model = bob["exercises"]["model"]["max_score"]
        assert float(cells["max_score"]) == bob["max_score"] - model + 40
    assert "no work found" in (out / "gradebook.csv").read_text()
