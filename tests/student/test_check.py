"""``convgrade check``: the public tests on a student's own files, fast and offline."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from autograder.cli import main
from autograder.course.paths import course
from autograder.student.check import run_check

NUMPY_FILES = ("convolution.py", "pooling.py", "shapes.py", "params.py")


def _work(tmp_path: Path, broken: str | None = None) -> Path:
    folder = tmp_path / "work"
    folder.mkdir(parents=True)
    for name in NUMPY_FILES:
        shutil.copy(course().reference / name, folder / name)
    if broken:
        with (folder / broken).open("a") as handle:
            handle.write("\n\ndef conv_output_size(n, f, stride=1, padding='valid'):\n"
                         "    return (n - f) // stride\n")
    return folder


def test_reference_work_passes(tmp_path):
    """Correct files pass every public NumPy check."""
    report = run_check(_work(tmp_path))
    assert report.all_passed, [(o.name, o.output) for r in report.rows for o in r.failures]
    assert [r.exercise for r in report.rows] == ["convolution", "pooling", "shapes", "params"]


def test_a_mistake_fails_with_a_hint(tmp_path):
    """An off-by-one size fails its check, and the output carries the hint."""
    report = run_check(_work(tmp_path, broken="shapes.py"))
    assert not report.all_passed
    failures = [o for r in report.rows for o in r.failures]
    assert failures and all(o.exercise == "shapes" for o in failures)
    assert any("off-by-one" in o.output for o in failures)


@pytest.mark.parametrize("model", ["absent", "untouched stub"])
def test_numpy_check_is_fast_and_never_imports_tensorflow(tmp_path, model):
    """Without a begun model.py the check finishes in seconds and leaves TensorFlow unimported."""
    work = _work(tmp_path)
    if model == "untouched stub":
        shutil.copy(course().exercises / "model.py", work / "model.py")
    code = ("import sys, time; t = time.monotonic(); from pathlib import Path; "
            "from autograder.student.check import run_check; "
            f"r = run_check(Path({str(work)!r})); "
            "print(r.all_passed, 'tensorflow' in sys.modules, round(time.monotonic() - t, 2))")
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    passed, imported_tf, _ = done.stdout.split()
    assert (passed, imported_tf) == ("True", "False"), done.stderr
    assert time.monotonic() - started < 30


def test_cli_exit_codes_and_table(tmp_path):
    """The command prints a per-exercise table and exits non-zero while anything fails."""
    runner = CliRunner()
    good = runner.invoke(main, ["check", str(_work(tmp_path / "a"))])
    assert good.exit_code == 0, good.output
    assert "convolution" in good.output and "public tests" in good.output
    bad = runner.invoke(main, ["check", str(_work(tmp_path / "b", broken="shapes.py"))])
    assert bad.exit_code == 1 and "off-by-one" in bad.output


def _bundle(tmp_path: Path) -> Path:
    from autograder.authoring.release import build_release

    bundle = tmp_path / "bundle"
    build_release(course(), bundle)
    return bundle


def test_missing_notebook_path_suggests_the_right_command(tmp_path, monkeypatch):
    """`check assignment.ipynb` from the bundle root points at notebooks/assignment.ipynb."""
    bundle = _bundle(tmp_path)
    monkeypatch.chdir(bundle)
    result = CliRunner().invoke(main, ["check", "assignment.ipynb"])
    assert result.exit_code == 2
    assert "convgrade check notebooks/assignment.ipynb" in result.output


def test_a_module_notebook_checks_only_its_exercise(tmp_path):
    """Checking pooling.ipynb runs the pooling tests only, with no failures for the rest."""
    report = run_check(_bundle(tmp_path) / "notebooks" / "pooling.ipynb")
    assert [r.exercise for r in report.rows] == ["pooling"]
    assert all(o.exercise == "pooling" for r in report.rows for o in r.outcomes)


def test_check_from_inside_the_bundle_finds_the_work(tmp_path):
    """From notebooks/, check reads the bundle root; a leftover fit is reported, not run."""
    bundle = _work(tmp_path)
    (bundle / "notebooks").mkdir()
    with (bundle / "shapes.py").open("a") as handle:
        handle.write("\nhistory = model.fit(x_train, y_train, epochs=5)\n")
    report = run_check(bundle / "notebooks")
    assert report.all_passed and len(report.rows) == 4
    assert any("`history = model.fit(...)` at shapes.py:" in w and "will not run" in w
               for w in report.warnings)
