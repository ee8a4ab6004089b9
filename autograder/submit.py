"""``convgrade submit``: pack a student's work into a zip and check it as the grader will.

The zip holds only the expected files (or the notebook) plus ``MANIFEST.json``
with the sha256 of each file and the convgrade version. It is then loaded back
with the grader's own loader, and every problem the grader would meet is
listed: missing files or functions (found by reading the code, never running
it), syntax errors, and quiz answers that are missing, unknown or unreadable.
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
from autograder import quiz_answers as qa
from autograder.loading import (
    EXPECTED_FUNCTIONS,
    MAX_FILE_BYTES,
    MAX_NOTEBOOK_BYTES,
    load_submission,
)
from autograder.paths import STUDENT_FILES
from autograder.quiz import Question
from autograder.source_scan import definitions
from autograder.student.answers import find_questions

MANIFEST = "MANIFEST.json"
_MODULE_NOTEBOOKS = tuple(f"{module}.ipynb" for module in EXPECTED_FUNCTIONS)
# A fixed timestamp makes the same work give the same zip, byte for byte.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass
class SubmitReport:
    """The zip that was written, what went into it, and what the grader would object to."""

    path: Path
    files: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def build_submission_zip(source: Path, out: Path) -> SubmitReport:
    """Pack the folder or notebook ``source`` into the zip ``out`` and validate the result.

    Raises:
        FileNotFoundError: ``source`` does not exist.
    """
    if not source.exists():
        raise FileNotFoundError(source)
    report = SubmitReport(path=out)
    chosen = _choose_files(source, report)
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
    if payload:
        _write_zip(out, payload)
        _validate(source, out, payload, report)
    elif not report.problems:
        report.problems.append(
            f"nothing to submit in {source}: expected any of {', '.join(STUDENT_FILES)} "
            "or a notebook; no zip was written"
        )
    return report


def _choose_files(source: Path, report: SubmitReport) -> dict[str, Path]:
    """Archive name -> file: the exercise files, or else the notebook(s) to grade."""
    if source.is_file():
        if source.suffix.lower() == ".ipynb" or source.name in STUDENT_FILES:
            return {source.name: source}
        report.problems.append(f"{source.name} is not a folder or a notebook")
        return {}
    chosen = {name: source / name for name in STUDENT_FILES if (source / name).is_file()}
    if any(name.endswith(".py") for name in chosen):
        return chosen
    notebooks = sorted(p for p in source.glob("*.ipynb") if not p.name.startswith("."))
    if len(notebooks) > 1 and not all(p.name in _MODULE_NOTEBOOKS for p in notebooks):
        names = ", ".join(p.name for p in notebooks)
        report.problems.append(
            f"{source} holds several notebooks ({names}) and no .py files; "
            "name the notebook to submit: convgrade submit path/to/notebook.ipynb"
        )
        return chosen
    return {**chosen, **{p.name: p for p in notebooks}}


def _write_zip(out: Path, payload: dict[str, bytes]) -> None:
    """Write the zip next to ``out`` and move it into place, so a failure leaves no half zip."""
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
        os.replace(temp, out)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _validate(source: Path, out: Path, payload: dict[str, bytes], report: SubmitReport) -> None:
    submission = load_submission(out)
    report.problems += submission.errors
    # The function check below names missing functions itself.
    report.warnings += [w for w in submission.warnings if "count as missing" not in w]
    notebook = not any(name.endswith(".py") for name in payload)
    lacking: dict[str, list[str]] = {}
    unfinished: dict[str, list[str]] = {}
    for module, functions in EXPECTED_FUNCTIONS.items():
        text = submission.files.get(f"{module}.py")
        if text is None:
            if not notebook:
                report.problems.append(f"{module}.py is missing: its exercise will score 0")
            continue
        defined, stubs = definitions(text)
        if defined is None:
            continue  # the syntax error is already among the problems
        where = "the notebook" if notebook else f"{module}.py"
        lacking.setdefault(where, []).extend(f for f in functions if f not in defined)
        unfinished.setdefault(where, []).extend(f for f in functions if f in stubs)
    for where, names in lacking.items():
        if names:
            report.problems.append(f"{where} does not define {', '.join(names)}")
    for where, names in unfinished.items():
        if names:
            verb = "raises" if len(names) == 1 else "raise"
            report.warnings.append(
                f"{', '.join(names)} in {where} still {verb} NotImplementedError"
            )
    _check_answers(submission.answers, "answers.toml" in payload or notebook, source, report)


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
