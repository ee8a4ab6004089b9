"""``convgrade submit``: the zip holds only the expected files and its problems are listed."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import nbformat
from sample_submissions import notebook_bundle

from autograder import __version__
from autograder.course.table import course_table
from autograder.load.submission import load_submission
from autograder.student.submit import MANIFEST, build_submission_zip

QUESTIONS = """
[[question]]
id = "pick_one"
kind = "choice"
points = 1
prompt = "Pick one."
options = { a = "yes", b = "no" }

[[question]]
id = "how_many"
kind = "numeric"
points = 1
prompt = "How many?"
"""


def _module(name: str, body: str = "    return 0") -> str:
    """A module defining every expected function of exercise ``name``."""
    return "".join(f"def {f}(*args, **kwargs):\n{body}\n\n" for f in course_table().functions[name])


def _complete(folder: Path) -> Path:
    """A student folder with every module, answers and the quiz questions beside them."""
    folder.mkdir(parents=True)
    for name in course_table().functions:
        (folder / f"{name}.py").write_text(_module(name))
    (folder / "answers.toml").write_text('pick_one = "a"\nhow_many = 12\n')
    (folder / "questions.toml").write_text(QUESTIONS)
    return folder


def test_round_trip_holds_only_expected_files_and_a_manifest(tmp_path):
    """The zip has the exercise files and MANIFEST.json with their sha256, nothing else."""
    folder = _complete(tmp_path / "work")
    (folder / "notes.txt").write_text("private")
    (folder / "__pycache__").mkdir()
    report = build_submission_zip(folder, tmp_path / "out" / "submission.zip")
    assert report.problems == [] and report.warnings == []
    with zipfile.ZipFile(report.path) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read(MANIFEST))
        contents = {n: archive.read(n) for n in names - {MANIFEST}}
    assert names == {f"{m}.py" for m in course_table().functions} | {"answers.toml", MANIFEST}
    assert manifest["convgrade_version"] == __version__
    for name, data in contents.items():
        assert manifest["files"][name]["sha256"] == hashlib.sha256(data).hexdigest()
        assert data == (folder / name).read_bytes()
    loaded = load_submission(report.path)
    assert loaded.answers == {"pick_one": "a", "how_many": 12} and loaded.errors == []


def test_same_work_gives_the_same_bytes(tmp_path):
    """Packing twice gives identical archives (no timestamps inside)."""
    folder = _complete(tmp_path / "work")
    first = build_submission_zip(folder, tmp_path / "a.zip").path.read_bytes()
    assert build_submission_zip(folder, tmp_path / "b.zip").path.read_bytes() == first


def test_problems_are_listed(tmp_path):
    """Missing files and functions, syntax errors and quiz mistakes are all reported."""
    folder = _complete(tmp_path / "work")
    (folder / "model.py").unlink()
    (folder / "pooling.py").write_text("def pool_forward(:\n")
    (folder / "shapes.py").write_text(_module("shapes").replace("def flatten_size", "def flat"))
    (folder / "answers.toml").write_text('pick_on = "a"\nhow_many = "lots"\n')
    problems = build_submission_zip(folder, tmp_path / "s.zip").problems
    text = "\n".join(problems)
    assert "model.py is missing" in text
    assert "pooling.py has a syntax error at line 1" in text
    assert "shapes.py does not define flatten_size" in text
    assert "'pick_on' matches no question (did you mean 'pick_one'?)" in text
    assert "without an answer: pick_one" in text
    assert "how_many cannot be read" in text
    assert len(problems) == 6


def test_unfinished_stubs_are_warned_about(tmp_path):
    """Functions still raising NotImplementedError are named in a warning."""
    folder = _complete(tmp_path / "work")
    (folder / "pooling.py").write_text(_module("pooling", "    raise NotImplementedError('todo')"))
    report = build_submission_zip(folder, tmp_path / "s.zip")
    assert report.problems == []
    assert report.warnings == ["pool_forward in pooling.py still raises NotImplementedError"]
    assert "pooling: pool_forward from pooling.py (not started)" in report.sources


def test_notebook_is_packed_as_the_notebook(tmp_path):
    """A notebook source is zipped as itself and checked through the notebook loader."""
    folder = tmp_path / "nb"
    folder.mkdir()
    (folder / "questions.toml").write_text(QUESTIONS)
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(_module("shapes")),
        nbformat.v4.new_code_cell("QUIZ_ANSWERS = {'pick_one': 'b', 'how_many': 3}"),
    ]
    path = folder / "assignment.ipynb"
    nbformat.write(notebook, str(path))
    report = build_submission_zip(path, tmp_path / "s.zip")
    assert report.files == ["assignment.ipynb"]
    assert len(report.problems) == 1 and "assignment.ipynb does not define" in report.problems[0]
    assert "conv_forward" in report.problems[0] and "flatten_size" not in report.problems[0]
    with zipfile.ZipFile(report.path) as archive:
        assert archive.read("assignment.ipynb") == path.read_bytes()


def test_nothing_to_submit_writes_no_zip(tmp_path):
    """An empty folder is a problem and no archive is left behind."""
    (tmp_path / "empty").mkdir()
    report = build_submission_zip(tmp_path / "empty", tmp_path / "s.zip")
    assert "nothing to submit" in report.problems[0] and not (tmp_path / "s.zip").exists()




def test_bundle_root_with_a_filled_notebook_submits_the_notebook(tmp_path):
    """From the bundle root, the zip holds the notebook and says every function comes from it."""
    bundle = notebook_bundle(tmp_path)
    report = build_submission_zip(bundle, tmp_path / "s.zip")
    assert report.written and report.problems == [], report.problems
    assert "notebooks/assignment.ipynb" in report.files
    assert all(line.endswith("from notebooks/assignment.ipynb") for line in report.sources)
    assert len(report.sources) == len(course_table().functions)
    assert "`model.fit(...)` at notebooks/assignment.ipynb cell 7 line 2 will not run when graded" \
        in report.warnings
    graded = load_submission(report.path)
    assert graded.files == load_submission(bundle).files


def test_nothing_implemented_is_refused_unless_forced(tmp_path):
    """Untouched stubs write no zip; --force writes it anyway."""
    folder = _complete(tmp_path / "work")
    for name in course_table().functions:
        (folder / f"{name}.py").write_text(_module(name, "    raise NotImplementedError"))
    refused = build_submission_zip(folder, tmp_path / "s.zip")
    assert not refused.written and not (tmp_path / "s.zip").exists()
    assert any("nothing is implemented yet" in p and "--force" in p for p in refused.problems)
    forced = build_submission_zip(folder, tmp_path / "s.zip", force=True)
    assert forced.written and (tmp_path / "s.zip").exists()


def test_zip_never_overwrites_a_file_being_submitted(tmp_path):
    """--out naming one of the student's files is refused and the file is untouched."""
    folder = _complete(tmp_path / "work")
    before = (folder / "shapes.py").read_bytes()
    report = build_submission_zip(folder, folder / "shapes.py")
    assert not report.written and "choose another name" in report.problems[0]
    assert (folder / "shapes.py").read_bytes() == before


def test_leftover_top_level_code_is_listed(tmp_path):
    """A model.fit left at the bottom of model.py is reported with its line."""
    folder = _complete(tmp_path / "work")
    with (folder / "model.py").open("a") as handle:
        handle.write("model = build_mnist_cnn()\nmodel.fit(x, y)\n")
    report = build_submission_zip(folder, tmp_path / "s.zip")
    assert report.written and report.problems == []
    lines = len(_module("model").splitlines())
    assert f"`model.fit(...)` at model.py:{lines + 2} will not run when graded" in report.warnings
