"""Loading submissions: folders, zips and notebooks; bad input is reported, never run."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.loading import discover_submissions, load_submission, submission_id, write_sources
from autograder.modules import load_module_group

GOOD = "def conv_output_size(n, f, stride=1, padding='valid'):\n    return (n - f) // stride + 1\n"
SIBLING = "import shapes\n\ndef flat(n):\n    return shapes.conv_output_size(n, 3)\n"


def _folder(root: Path, name: str = "ann", files: dict[str, str] | None = None) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    for file, text in (files or {"shapes.py": GOOD}).items():
        (folder / file).write_text(text)
    return folder


def _zip(path: Path, entries: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def _notebook(path: Path, cells: list[str]) -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(notebook, str(path))
    return path


class TestForms:
    def test_folder_at_root_and_answers(self, tmp_path):
        """A folder's exercise files and answers.toml are read."""
        folder = _folder(tmp_path, files={"shapes.py": GOOD, "answers.toml": 'q = "a"\n'})
        sub = load_submission(folder)
        assert sub.id == "ann" and sub.files == {"shapes.py": GOOD}
        assert sub.answers == {"q": "a"} and sub.errors == []

    def test_folder_under_one_top_level_folder(self, tmp_path):
        """Files one level down, under a single folder, are found."""
        outer = tmp_path / "bob"
        _folder(outer, "work")
        assert load_submission(outer).files == {"shapes.py": GOOD}

    @pytest.mark.parametrize("prefix", ["", "carol/"], ids=["root", "one-folder"])
    def test_zip_with_or_without_a_folder(self, tmp_path, prefix):
        """A zip holds the files at its root or under one folder, ignoring __MACOSX."""
        path = _zip(tmp_path / "carol.zip", {f"{prefix}shapes.py": GOOD,
                                             "__MACOSX/._shapes.py": b"junk"})
        sub = load_submission(path)
        assert sub.id == "carol" and sub.files == {"shapes.py": GOOD} and sub.errors == []

    def test_notebook_keeps_definitions_and_answers_but_runs_nothing(self, tmp_path):
        """Only definitions, imports and constants survive; training cells never run."""
        path = _notebook(tmp_path / "dave.ipynb", [
            "import numpy as np",
            GOOD,
            "while True:\n    pass",
            "open('/tmp/should-not-exist', 'w')",
            "%matplotlib inline",
            "QUIZ_ANSWERS = {'conv_params_32x32x3': 456}",
        ])
        sub = load_submission(path)
        assert sub.answers == {"conv_params_32x32x3": 456}
        source = sub.files["shapes.py"]
        assert "def conv_output_size" in source and "while True" not in source
        assert set(sub.files) == {f"{m}.py" for m in ("convolution", "pooling", "shapes",
                                                      "params", "model")}

    def test_zip_holding_a_notebook(self, tmp_path):
        """A zip with one notebook and no .py files is read as that notebook."""
        notebook = _notebook(tmp_path / "n.ipynb", [GOOD])
        path = _zip(tmp_path / "erin.zip", {"erin/assignment.ipynb": notebook.read_bytes()})
        assert "def conv_output_size" in load_submission(path).files["shapes.py"]

    def test_sibling_imports_work_after_writing_sources(self, tmp_path):
        """params.py may import shapes once the sources are written together."""
        sub = load_submission(_folder(tmp_path, files={"shapes.py": GOOD, "params.py": SIBLING}))
        write_sources(sub, tmp_path / "scratch")
        group = load_module_group(tmp_path / "scratch", ("shapes", "params"))
        assert group.errors == {} and group.modules["params"].flat(28) == 26


class TestBadInput:
    def test_corrupt_zip(self, tmp_path):
        """A file that is not a zip gets a clear error, not an exception."""
        path = tmp_path / "bad.zip"
        path.write_bytes(b"PK\x03\x04 this is not really a zip")
        sub = load_submission(path)
        assert sub.files == {} and "not a usable zip" in sub.errors[0]

    def test_truncated_zip(self, tmp_path):
        """Half an archive is reported as unusable."""
        whole = _zip(tmp_path / "whole.zip", {"shapes.py": GOOD * 50}).read_bytes()
        path = tmp_path / "half.zip"
        path.write_bytes(whole[: len(whole) // 2])
        assert "not a usable zip" in load_submission(path).errors[0]

    def test_escaping_entries_are_refused(self, tmp_path):
        """Absolute paths and '..' entries are never read and are reported."""
        path = _zip(tmp_path / "evil.zip", {"../shapes.py": GOOD, "/etc/shapes.py": GOOD,
                                            "pooling.py": "x = 1\n"})
        sub = load_submission(path)
        assert "shapes.py" not in sub.files and "pooling.py" in sub.files
        assert sum("outside the submission" in e for e in sub.errors) == 2

    def test_symlink_entry_is_refused(self, tmp_path):
        """A zip entry stored as a symbolic link is not followed."""
        info = zipfile.ZipInfo("shapes.py")
        info.external_attr = 0o120777 << 16
        path = tmp_path / "link.zip"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr(info, "/etc/passwd")
        sub = load_submission(path)
        assert "shapes.py" not in sub.files and "symbolic link" in sub.errors[0]

    def test_zip_bomb_is_refused_quickly(self, tmp_path):
        """A member that unpacks far past the limit is refused without unpacking it."""
        buffer = io.BytesIO()
        with (
            zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
            archive.open("shapes.py", "w") as member,
        ):
            chunk = b"\0" * (1 << 20)
            for _ in range(200):
                member.write(chunk)
        path = tmp_path / "bomb.zip"
        path.write_bytes(buffer.getvalue())
        sub = load_submission(path)
        assert sub.files == {} and "limit" in sub.errors[0]

    def test_too_many_members(self, tmp_path):
        """An archive with thousands of entries is refused as a whole."""
        path = _zip(tmp_path / "many.zip", {f"f{i}.txt": "" for i in range(600)})
        assert "entries" in load_submission(path).errors[0]

    def test_broken_notebook(self, tmp_path):
        """Invalid notebook JSON is a clear error."""
        path = tmp_path / "broken.ipynb"
        path.write_text('{"cells": [')
        sub = load_submission(path)
        assert sub.files == {} and "not a readable notebook" in sub.errors[0]

    def test_syntax_error_costs_only_its_file(self, tmp_path):
        """A module with a syntax error is reported; the other modules are kept."""
        folder = _folder(tmp_path, files={"shapes.py": GOOD, "params.py": "def f(:\n"})
        sub = load_submission(folder)
        assert set(sub.files) == {"shapes.py", "params.py"}
        assert sub.errors == ["params.py has a syntax error at line 1: invalid syntax"]

    def test_bad_answers_and_non_utf8_files(self, tmp_path):
        """Bad TOML and non-UTF-8 files are reported and cost only themselves."""
        folder = _folder(tmp_path, files={"shapes.py": GOOD, "answers.toml": "q = [d\n"})
        (folder / "pooling.py").write_bytes(b"x = '\xff\xfe'\n")
        sub = load_submission(folder)
        assert set(sub.files) == {"shapes.py"} and sub.answers == {}
        assert any(e.startswith("answers.toml") for e in sub.errors)
        assert any("not UTF-8" in e for e in sub.errors)

    def test_oversized_file(self, tmp_path):
        """A file over the size limit is refused with its size."""
        folder = _folder(tmp_path, files={"shapes.py": "#" * (2 << 20)})
        sub = load_submission(folder)
        assert sub.files == {} and "over the" in sub.errors[0]

    def test_empty_folder_says_what_was_expected(self, tmp_path):
        """A submission with no exercise files lists the expected names."""
        (tmp_path / "empty").mkdir()
        assert "expected any of" in load_submission(tmp_path / "empty").errors[0]


class TestDiscovery:
    def test_folder_of_submissions_and_ids(self, tmp_path):
        """A folder without exercise files counts as many submissions, sorted by name."""
        root = tmp_path / "class"
        _folder(root, "b-student")
        _zip(root / "a student.zip", {"shapes.py": GOOD})
        _notebook(root / "c.ipynb", [GOOD])
        (root / "notes.txt").write_text("ignored")
        (root / ".hidden").mkdir()
        found = discover_submissions([root])
        assert [p.name for p in found] == ["a student.zip", "b-student", "c.ipynb"]
        assert [submission_id(p) for p in found] == ["a_student", "b-student", "c"]

    def test_a_single_submission_counts_once(self, tmp_path):
        """A folder holding exercise files is one submission."""
        folder = _folder(tmp_path)
        assert discover_submissions([folder]) == [folder]


def test_result_of_loading_is_plain_data(tmp_path):
    """A loaded submission can be serialized (it travels to remote workers)."""
    sub = load_submission(_folder(tmp_path))
    assert json.loads(json.dumps(sub.files)) == sub.files
