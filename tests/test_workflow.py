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
from autograder.paths import STUDENT_MODULES, course

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


def test_release_check_submit_grade_report(bundle: Path, tmp_path: Path):
    """From the bundle to a graded, reported submission, with the self-check on the way."""
    work = tmp_path / "alice"
    shutil.copytree(bundle, work)

    # Untouched stubs: the self-check fails and says why.
    output = _run("check", "--no-model", cwd=work, expect=1)
    assert "not started yet" in output and "conv_forward" in output

    # The student solves everything but flips the kernel: the check names the mistake.
    for module in STUDENT_MODULES:
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
    expected = {f"{m}.py" for m in STUDENT_MODULES} | {"answers.toml", "MANIFEST.json"}
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
