"""``convgrade submit``: pack a student's work into a zip and check it as the grader will.

The zip holds the exercise files, ``answers.toml`` and the notebooks (those
beside the files and in ``notebooks/``), plus ``MANIFEST.json`` with the
sha256 of each file and the convgrade version. It is then loaded back with
the grader's own loader, which applies the source rule
(:mod:`autograder.load.source_rule`), and the student sees, per exercise, which
file each function will be graded from, the top-level statements that will
not run, and every problem the grader would meet: missing functions (found by
reading the code, never running it), syntax errors, and quiz answers that are
missing, unknown or unreadable. A zip in which nothing is implemented is not
written unless forced: it is almost always the wrong folder or an unsaved
notebook.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from autograder import __version__
from autograder.course.table import course_table
from autograder.load.source_rule import graded_from_lines
from autograder.load.submission import (
    MAX_FILE_BYTES,
    MAX_NOTEBOOK_BYTES,
    NO_WORK,
    NOTEBOOK_FOLDER,
    Submission,
    load_submission,
)
from autograder.quiz import answers as qa
from autograder.quiz.files import Question
from autograder.student.answers import find_questions

MANIFEST = "MANIFEST.json"
# A fixed timestamp makes the same work give the same zip, byte for byte.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass
class SubmitReport:
    """The zip that was written, what went into it, and what the grader would object to."""

    path: Path
    files: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # one line per exercise: which file each function is graded from
    sources: list[str] = field(default_factory=list)
    written: bool = False


def work_root(path: Path) -> Path:
    """The folder holding the student's work when ``path`` is somewhere inside a bundle.

    From ``notebooks/`` (or any folder below the bundle root) this is the
    bundle root, the folder holding the exercise files.
    """
    path = path.resolve()
    if path.is_file():
        return path
    for folder in (path, *list(path.parents)[:3]):
        if any((folder / name).is_file() for name in course_table().student_files):
            return folder
    return path


def build_submission_zip(source: Path, out: Path, force: bool = False) -> SubmitReport:
    """Pack the folder or notebook ``source`` into the zip ``out`` and validate the result.

    Nothing is written when ``out`` is one of the files being packed, when
    there is nothing to pack, or, unless ``force``, when nothing is implemented.

    Raises:
        FileNotFoundError: ``source`` does not exist.
    """
    if not source.exists():
        raise FileNotFoundError(source)
    report = SubmitReport(path=out)
    chosen = _choose_files(source, report)
    if out.resolve() in {p.resolve() for p in chosen.values()} or out.is_dir():
        report.problems.append(
            f"{out} is one of your files (or a folder); choose another name for the zip, "
            "such as --out submission.zip"
        )
        return report
    payload: dict[str, bytes] = {}
    for name, path in chosen.items():
        limit = MAX_NOTEBOOK_BYTES if name.endswith(".ipynb") else MAX_FILE_BYTES
        if path.is_symlink():
            report.problems.append(f"{name} is a symbolic link; copy the file itself there")
        elif path.stat().st_size > limit:
            report.problems.append(f"{name} is larger than the grader accepts; it was left out")
        else:
            payload[name] = path.read_bytes()
    report.files = list(payload)
    if not payload:
        if not report.problems:
            files = ", ".join(course_table().student_files)
            report.problems.append(
                f"nothing to submit in {source}: expected any of {files} "
                "or a notebook; no zip was written"
            )
        return report
    temp = _write_zip(out, payload)
    try:
        submission = load_submission(temp)
        _validate(source, submission, payload, report)
        if not submission.implemented and not force:
            report.problems.append(
                "nothing is implemented yet: every exercise function is still a stub, so this "
                "zip would score 0 on the exercises. Save your notebook (or .py files) and run "
                "submit again; use --force to write the zip anyway. No zip was written"
            )
            return report
        os.replace(temp, out)
        report.written = True
    finally:
        temp.unlink(missing_ok=True)
    return report


def _choose_files(source: Path, report: SubmitReport) -> dict[str, Path]:
    """Archive name -> file: the exercise files and every notebook the grader would read."""
    if source.is_file():
        if source.suffix.lower() == ".ipynb" or source.name in course_table().student_files:
            return {source.name: source}
        report.problems.append(f"{source.name} is not a folder or a notebook")
        return {}
    chosen = {name: source / name for name in course_table().student_files
              if (source / name).is_file()}
    for folder, prefix in ((source, ""), (source / NOTEBOOK_FOLDER, NOTEBOOK_FOLDER)):
        if folder.is_dir():
            chosen.update(
                {prefix + p.name: p for p in sorted(folder.glob("*.ipynb"))
                 if not p.name.startswith(".")}
            )
    return chosen


def _write_zip(out: Path, payload: dict[str, bytes]) -> Path:
    """Write the zip to a temporary file beside ``out``; the caller moves it into place."""
    manifest = {
        "convgrade_version": __version__,
        "files": {
            name: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
            for name, data in payload.items()
        },
    }
    entries = {**payload, MANIFEST: json.dumps(manifest, indent=2).encode() + b"\n"}
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=".submission-", suffix=".zip", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as handle, zipfile.ZipFile(handle, "w") as archive:
            for name, data in entries.items():
                info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, data)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return Path(temp)


def _validate(
    source: Path, submission: Submission, payload: dict[str, bytes], report: SubmitReport
) -> None:
    report.problems += [e for e in submission.errors if e != NO_WORK]
    # The function check below names missing functions itself.
    report.warnings += [w for w in submission.warnings if "count as missing" not in w]
    report.warnings += [d.message() for d in submission.dropped]
    report.sources = graded_from_lines(submission.graded_from, submission.unfinished)
    notebook = any(name.endswith(".ipynb") for name in payload)
    lacking: dict[str, list[str]] = {}
    for module, functions in course_table().functions.items():
        places = submission.graded_from.get(module)
        if places is None:
            if not notebook:
                report.problems.append(f"{module}.py is missing: its exercise will score 0")
            continue
        where = " or ".join(submission.offered_by.get(module, [f"{module}.py"]))
        if not _has_syntax_error(module, submission):
            lacking.setdefault(where, []).extend(f for f in functions if not places.get(f))
    for where, names in lacking.items():
        if names:
            report.problems.append(f"{where} does not define {', '.join(names)}")
    unfinished: dict[str, list[str]] = {}
    for places in submission.graded_from.values():
        for function, place in places.items():
            if function in submission.unfinished:
                unfinished.setdefault(place, []).append(function)
    for place, names in unfinished.items():
        verb = "raises" if len(names) == 1 else "raise"
        report.warnings.append(f"{', '.join(names)} in {place} still {verb} NotImplementedError")
    _check_answers(submission.answers, "answers.toml" in payload or notebook, source, report)


def _has_syntax_error(module: str, submission: Submission) -> bool:
    return any(e.startswith(f"{module}.py has a syntax error") for e in submission.errors)


def _check_answers(
    answers: dict[str, object], expected: bool, source: Path, report: SubmitReport
) -> None:
    if not answers:
        if expected:
            report.problems.append("no quiz answer was given: every question scores 0")
        else:
            report.problems.append("answers.toml is missing: the quiz will score 0")
        return
    questions = _questions(source)
    if questions is None:
        report.warnings.append("questions.toml was not found; quiz answers were not checked")
        return
    ids = [q.id for q in questions]
    for name in answers:
        if name not in ids:
            close = difflib.get_close_matches(name, ids, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            report.problems.append(f"quiz answer {name!r} matches no question{hint}")
    blank = [q.id for q in questions if qa.is_blank(answers.get(q.id))]
    if blank:
        report.problems.append(f"quiz questions without an answer: {', '.join(blank)}")
    for q in questions:
        value = answers.get(q.id)
        if qa.is_blank(value):
            continue
        try:
            qa.canonical(q, value)
        except qa.Malformed as exc:
            report.problems.append(f"quiz answer {q.id} cannot be read: {exc}")


def _questions(source: Path) -> list[Question] | None:
    """The quiz questions (never the keys): from the student bundle, else from the course."""
    return find_questions(source if source.is_dir() else source.parent)
