"""Loading submissions: folders, zips and notebooks; bad input is reported, never run."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import nbformat
import pytest
from sample_submissions import notebook_bundle

from autograder.authoring.release import build_release
from autograder.course.paths import course
from autograder.course.table import course_table
from autograder.load.modules import load_module_group
from autograder.load.submission import (
    load_submission,
    submission_id,
    write_sources,
)
from autograder.run.discovery import Found, discover, discover_with_warnings

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
        path = _zip(
            tmp_path / "carol.zip", {f"{prefix}shapes.py": GOOD, "__MACOSX/._shapes.py": b"junk"}
        )
        sub = load_submission(path)
        assert sub.id == "carol" and sub.files == {"shapes.py": GOOD} and sub.errors == []

    def test_notebook_keeps_definitions_and_answers_but_runs_nothing(self, tmp_path):
        """Only definitions, imports and constants survive; training cells never run."""
        path = _notebook(
            tmp_path / "dave.ipynb",
            [
                "import numpy as np",
                GOOD,
                "while True:\n    pass",
                "open('/tmp/should-not-exist', 'w')",
                "%matplotlib inline",
                "QUIZ_ANSWERS = {'conv_params_32x32x3': 456}",
            ],
        )
        sub = load_submission(path)
        assert sub.answers == {"conv_params_32x32x3": 456}
        source = sub.files["shapes.py"]
        assert "def conv_output_size" in source and "while True" not in source
        assert set(sub.files) == {f"{m}.py" for m in course_table().functions}

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

    def test_notebook_code_is_never_executed_at_load_or_import(self, tmp_path):
        """A training cell that would write a file or loop forever never runs."""
        marker = tmp_path / "trained"
        path = _notebook(
            tmp_path / "frank.ipynb",
            [
                GOOD,
                f"open({str(marker)!r}, 'w').write('ran')",
                "model = build()\nwhile True:\n    model.fit()",
            ],
        )
        sub = load_submission(path)
        write_sources(sub, tmp_path / "scratch")
        group = load_module_group(tmp_path / "scratch", course_table().names)
        assert group.errors == {} and not marker.exists()
        assert group.modules["shapes"].conv_output_size(28, 3) == 26

    def test_notebook_lacking_functions_is_warned_about(self, tmp_path):
        """The expected functions a notebook does not define are named in a warning."""
        sub = load_submission(_notebook(tmp_path / "g.ipynb", [GOOD]))
        lacking = next(w for w in sub.warnings if "does not define" in w)
        assert "conv_forward" in lacking and "conv_output_size" not in lacking

    def test_one_notebook_per_module(self, tmp_path):
        """Notebooks named after modules each supply only their own module."""
        folder = tmp_path / "hana"
        folder.mkdir()
        _notebook(folder / "shapes.ipynb", [GOOD])
        _notebook(folder / "params.ipynb", ["def dense_params(n, u, use_bias=True):\n    return 0"])
        sub = load_submission(folder)
        assert set(sub.files) == {"shapes.py", "params.py"} and sub.errors == []
        assert "dense_params" in sub.files["params.py"]
        assert "dense_params" not in sub.files["shapes.py"]

    def test_two_notebooks_implementing_a_function_differently_are_named(self, tmp_path):
        """Two notebooks with different code for one function: the first is graded, both named."""
        folder = tmp_path / "ivan"
        folder.mkdir()
        _notebook(folder / "a.ipynb", [GOOD])
        _notebook(folder / "b.ipynb", [GOOD.replace("+ 1", "+ 2")])
        sub = load_submission(folder)
        assert "+ 1" in sub.files["shapes.py"] and sub.errors == []
        clash = next(w for w in sub.warnings if "implemented differently" in w)
        assert "a.ipynb" in clash and "b.ipynb" in clash and "conv_output_size" in clash

    def test_zip_with_notebook_and_answers_toml(self, tmp_path):
        """answers.toml beside a notebook in a zip wins over a different QUIZ_ANSWERS, said so."""
        notebook = _notebook(tmp_path / "n.ipynb", [GOOD, "QUIZ_ANSWERS = {'q': 'b'}"])
        path = _zip(
            tmp_path / "jo.zip",
            {"jo/hw.ipynb": notebook.read_bytes(), "jo/answers.toml": 'q = "a"\n'},
        )
        sub = load_submission(path)
        assert sub.answers == {"q": "a"} and "shapes.py" in sub.files
        clash = next(w for w in sub.warnings if "quiz answer q differs" in w)
        assert "answers.toml" in clash and "hw.ipynb" in clash

    def test_py_files_are_graded_when_the_notebook_adds_nothing(self, tmp_path):
        """A notebook beside .py files that implements no exercise function changes nothing."""
        folder = _folder(tmp_path)
        _notebook(folder / "scratch.ipynb", ["def extra():\n    return 1"])
        sub = load_submission(folder)
        assert sub.files["shapes.py"] == GOOD
        assert sub.graded_from["shapes"]["conv_output_size"] == "shapes.py"

    def test_upper_case_suffix_and_single_file(self, tmp_path):
        """A .ZIP is a zip, and a lone exercise file is a submission of that file."""
        path = _zip(tmp_path / "Kim.ZIP", {"shapes.py": GOOD})
        assert load_submission(path).files == {"shapes.py": GOOD}
        single = tmp_path / "shapes.py"
        single.write_text(GOOD)
        assert load_submission(single).files == {"shapes.py": GOOD}

    def test_zip_with_two_folders_reads_the_first_and_says_so(self, tmp_path):
        """Files under two top-level folders: the first is read and a warning names both."""
        path = _zip(tmp_path / "lee.zip", {"a/shapes.py": GOOD, "b/pooling.py": "x = 1\n"})
        sub = load_submission(path)
        assert sub.files == {"shapes.py": GOOD}
        assert any("a/, b/" in w for w in sub.warnings)


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
        path = _zip(
            tmp_path / "evil.zip",
            {"../shapes.py": GOOD, "/etc/shapes.py": GOOD, "pooling.py": "x = 1\n"},
        )
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
        write_sources(sub, tmp_path / "scratch")
        group = load_module_group(tmp_path / "scratch", ("shapes", "params"))
        assert group.modules["shapes"].conv_output_size(5, 3) == 3 and "params" in group.errors

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

    def test_symlink_in_a_folder_is_not_followed(self, tmp_path):
        """A symbolic link in a folder submission is refused, not read."""
        secret = tmp_path / "secret.txt"
        secret.write_text("do not read")
        folder = _folder(tmp_path)
        (folder / "pooling.py").symlink_to(secret)
        sub = load_submission(folder)
        assert "pooling.py" not in sub.files and "symbolic link" in sub.errors[0]

    def test_unsupported_file_type(self, tmp_path):
        """A file that is neither a zip nor a notebook is reported by name."""
        path = tmp_path / "work.rar"
        path.write_bytes(b"Rar!")
        assert "not a folder, a .zip" in load_submission(path).errors[0]

    def test_non_utf8_notebook_and_oversized_zip_member(self, tmp_path):
        """A notebook in another encoding and a member over the size limit are clear errors."""
        path = tmp_path / "latin.ipynb"
        path.write_bytes('{"cells": [], "x": "caf\xe9"}'.encode("latin-1"))
        assert "not UTF-8" in load_submission(path).errors[0]
        big = _zip(tmp_path / "big.zip", {"shapes.py": "#" * (2 << 20)})
        assert "over the" in load_submission(big).errors[0]

    def test_missing_path_raises(self, tmp_path):
        """A path that does not exist is the caller's mistake, not the student's."""
        with pytest.raises(FileNotFoundError):
            load_submission(tmp_path / "nobody")


class TestDiscovery:
    def test_folder_of_submissions_and_ids(self, tmp_path):
        """A folder without exercise files counts as many submissions, sorted by name."""
        root = tmp_path / "class"
        _folder(root, "b-student")
        _zip(root / "a student.zip", {"shapes.py": GOOD})
        _notebook(root / "c.ipynb", [GOOD])
        (root / "notes.txt").write_text("ignored")
        (root / ".hidden").mkdir()
        found, _ = discover_with_warnings([root])
        assert [p.name for p in found] == ["a student.zip", "b-student", "c.ipynb"]
        assert [submission_id(p) for p in found] == ["a_student", "b-student", "c"]

    def test_a_single_submission_counts_once(self, tmp_path):
        """A folder holding exercise files is one submission."""
        folder = _folder(tmp_path)
        assert discover_with_warnings([folder]) == ([folder], [])

    def test_child_folder_with_only_a_notebook_counts(self, tmp_path):
        """Every sub-folder of a class folder is a submission, even one holding a notebook."""
        root = tmp_path / "class"
        (root / "amy").mkdir(parents=True)
        _notebook(root / "amy" / "hw.ipynb", [GOOD])
        (root / "empty").mkdir()
        (root / "__MACOSX").mkdir()
        assert [p.name for p in discover_with_warnings([root])[0]] == ["amy", "empty"]
        assert "does not define" in " ".join(load_submission(root / "amy").warnings)

    def test_class_folder_of_one_student_is_graded_under_the_students_name(self, tmp_path):
        """A folder without exercise files of its own is a class, even with one student in it."""
        root = tmp_path / "class"
        student = _folder(root, "ben")
        assert discover_with_warnings([root]) == ([student], [])
        assert submission_id(student) == "ben"

    def test_output_folders_are_never_students(self, tmp_path):
        """An OUT folder or a stats/ folder inside a class folder is skipped."""
        root = tmp_path / "class"
        student = _folder(root, "ann")
        (root / "out" / "results").mkdir(parents=True)
        (root / "stats").mkdir()
        (root / "stats" / "stats.json").write_text("{}")
        assert discover_with_warnings([root]) == ([student], [])
        found, warnings = discover_with_warnings([root / "out"])
        assert found == [] and "grading output folder" in warnings[0]

    def test_duplicate_ids_are_both_kept_under_distinct_ids(self, tmp_path):
        """Two inputs with the same id are both graded; the second id names its kind."""
        first = _folder(tmp_path / "x", "cat")
        second = _zip(tmp_path / "cat.zip", {"shapes.py": GOOD})
        found, warnings = discover([first, second])
        assert [(f.path, f.id) for f in found] == [(first, "cat"), (second, "cat-zip")]
        assert found[0].note == "" and "cat-zip" in found[1].note
        assert "both give the id 'cat'" in warnings[0] and "cat.zip" in warnings[0]

    def test_a_submission_named_twice_is_graded_once(self, tmp_path):
        """The same path given twice (or as a/../a) is one submission, with no warning."""
        folder = _folder(tmp_path, "dee")
        found, warnings = discover([folder, tmp_path / "x" / ".." / "dee"])
        assert found == [Found(folder, "dee")] and warnings == []

    @pytest.mark.parametrize(
        ("name", "expected"),
        [
            ("Ann Lee.zip", "Ann_Lee"),
            ("jo.v2", "jo.v2"),
            ("émile.ipynb", "_mile"),
            ("..", "submission"),
        ],
    )
    def test_ids_are_safe_file_names(self, tmp_path, name, expected):
        """Ids keep letters, digits, dot, dash and underscore; folders keep their dots."""
        path = tmp_path / name
        if name.endswith((".zip", ".ipynb")):
            path.write_bytes(b"")
        assert submission_id(path) == expected


def test_result_of_loading_is_plain_data(tmp_path):
    """A loaded submission can be serialized (it travels to remote workers)."""
    sub = load_submission(_folder(tmp_path))
    assert json.loads(json.dumps(sub.files)) == sub.files


class TestSourceRule:
    def test_filled_notebook_beside_stub_files_is_graded(self, tmp_path):
        """The released bundle with only its notebook filled is graded from the notebook."""
        bundle = notebook_bundle(tmp_path)
        sub = load_submission(bundle)
        assert sub.errors == [] and sub.implemented and not sub.no_work
        places = {p for functions in sub.graded_from.values() for p in functions.values()}
        assert places == {"notebooks/assignment.ipynb"}
        assert sub.answers["conv_params_32x32x3"] == 456

    def test_zip_of_the_whole_bundle_loads_the_same(self, tmp_path):
        """Zipping the bundle folder (notebooks/ included) changes nothing."""
        bundle = notebook_bundle(tmp_path)
        entries = {
            f"bundle/{p.relative_to(bundle).as_posix()}": p.read_bytes()
            for p in sorted(bundle.rglob("*")) if p.is_file()
        }
        zipped = load_submission(_zip(tmp_path / "kim.zip", entries))
        assert zipped.files == load_submission(bundle).files and zipped.errors == []

    def test_untouched_stubs_are_no_work(self, tmp_path):
        """Stubs and an empty quiz: flagged as no work, with a message for the student."""
        from autograder.load.submission import NO_WORK

        bundle = tmp_path / "bundle"
        build_release(course(), bundle)
        sub = load_submission(bundle)
        assert sub.no_work and NO_WORK in sub.errors and not sub.implemented

    def test_leftover_fit_in_a_py_file_does_not_run(self, tmp_path):
        """A model.fit at the bottom of a .py file is commented out and listed."""
        folder = _folder(tmp_path, files={"shapes.py": GOOD + "\nhistory = model.fit(x, y)\n"})
        sub = load_submission(folder)
        assert "# [not run when graded] history = model.fit(x, y)" in sub.files["shapes.py"]
        assert [d.message() for d in sub.dropped] == [
            "`history = model.fit(...)` at shapes.py:4 will not run when graded"
        ]
        write_sources(sub, tmp_path / "src")
        group = load_module_group(tmp_path / "src", ("shapes",))
        assert group.errors == {} and group.modules["shapes"].conv_output_size(28, 3) == 26

    def test_arithmetic_quiz_answer_is_read(self, tmp_path):
        """QUIZ_ANSWERS["..."] = 784 * 300 counts as 235200 instead of failing the notebook."""
        sub = load_submission(_notebook(
            tmp_path / "nb.ipynb",
            [GOOD, "QUIZ_ANSWERS = {}", 'QUIZ_ANSWERS["dense_first_layer_weights"] = 784 * 300'],
        ))
        assert sub.answers == {"dense_first_layer_weights": 235200} and sub.errors == []

    def test_deeply_nested_answers_are_a_message_not_a_crash(self, tmp_path):
        """A deeply nested answers.toml or QUIZ_ANSWERS costs the quiz, nothing else."""
        deep = "[" * 3000 + "]" * 3000
        folder = _folder(tmp_path, files={"shapes.py": GOOD, "answers.toml": f"a = {deep}\n"})
        sub = load_submission(folder)
        assert sub.answers == {} and any("nested too deeply" in e for e in sub.errors)
        assert "shapes.py" in sub.files
        nested = "[" * 40 + "]" * 40
        notebook = _notebook(tmp_path / "nb.ipynb", [GOOD, f"QUIZ_ANSWERS = {{'a': {nested}}}"])
        sub = load_submission(notebook)
        assert "a" not in sub.answers and any("nested too deeply" in e for e in sub.errors)


def test_a_file_that_does_not_parse_is_not_no_work(tmp_path):
    """A syntax error is reported as such, never as "no work found"."""
    from autograder.load.submission import NO_WORK

    sub = load_submission(_folder(tmp_path, files={"shapes.py": "def conv_output_size(:\n"}))
    assert not sub.no_work and NO_WORK not in sub.errors
    assert any("syntax error" in e for e in sub.errors)


def test_a_notebook_name_with_escape_sequences_is_shown_harmless(tmp_path):
    """Messages quote an odd notebook name with its control characters escaped."""
    folder = tmp_path / "odd"
    folder.mkdir()
    _notebook(folder / "a\x1b[2Jb.ipynb", [GOOD, "GOOD.fit()"])
    sub = load_submission(folder)
    text = " ".join([*sub.warnings, *(d.message() for d in sub.dropped)])
    assert "\x1b" not in text and "a\\x1b[2Jb.ipynb" in text
