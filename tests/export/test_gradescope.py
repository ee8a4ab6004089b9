"""The Gradescope export: a zip whose run_autograder grades a simulated /autograder tree."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sample_submissions import reference_submission, stub_submission

from autograder.course.paths import course
from autograder.export.gradescope import build_gradescope_zip


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_gradescope_zip(course(), tmp_path_factory.mktemp("export") / "autograder.zip")


def _autograder_tree(root: Path, archive: Path, submission: Path) -> Path:
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(root / "source")
    shutil.copytree(submission, root / "submission")
    (root / "results").mkdir()
    return root


def _run(root: Path) -> dict:
    script = root / "source" / "run_autograder"
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "CONVGRADE_PYTHON": sys.executable,
           "PYTHONPATH": str(root / "source")}
    done = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((root / "results" / "results.json").read_text())


def test_zip_holds_scripts_and_course_but_no_tests(exported: Path):
    """setup.sh and run_autograder are executable; the course is inside; our tests are not."""
    with zipfile.ZipFile(exported) as zf:
        names = set(zf.namelist())
        modes = {i.filename: i.external_attr >> 16 for i in zf.infolist()}
    assert {"setup.sh", "run_autograder", "pyproject.toml"} <= names
    assert modes["run_autograder"] & 0o111 and modes["setup.sh"] & 0o111
    assert any(n.startswith("reference/") for n in names)
    assert any(n.startswith("autograder/graders/test_") for n in names)
    assert "quizzes/keys.toml" in names
    assert not any(n.startswith("tests/") for n in names)


def test_setup_script_is_valid_bash(exported: Path, tmp_path: Path):
    """setup.sh parses as bash."""
    with zipfile.ZipFile(exported) as zf:
        zf.extract("setup.sh", tmp_path)
    assert subprocess.run(["bash", "-n", str(tmp_path / "setup.sh")]).returncode == 0


@pytest.mark.needs_root
@pytest.mark.slow
def test_run_autograder_grades_reference_and_stubs(exported: Path, tmp_path: Path):
    """Full marks for the reference, zero for the stubs, with Gradescope visibility."""
    full = _run(_autograder_tree(tmp_path / "a" / "autograder", exported,
                                 reference_submission(tmp_path / "a", "ref")))
    assert full["score"] == full["max_score"] > 0
    hidden = [t for t in full["tests"] if not t["name"].startswith("public: ")]
    public = [t for t in full["tests"] if t["name"].startswith("public: ")]
    assert hidden and {t["visibility"] for t in hidden} == {"after_published"}
    assert public and {t["visibility"] for t in public} == {"visible"}
    assert all(t["status"] == "passed" for t in public)
    zero = _run(_autograder_tree(tmp_path / "b" / "autograder", exported,
                                 stub_submission(tmp_path / "b", "stubs")))
    assert zero["score"] == 0 and zero["max_score"] == full["max_score"]
