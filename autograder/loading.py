"""Read a submission (folder, .zip or .ipynb) into memory without running any of it.

Whatever is wrong with the input becomes a clear message in ``errors`` and
costs only the affected part: a corrupt archive, a broken notebook, a file
with a syntax error, a file that is too big or not UTF-8.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from autograder.notebook_source import notebook_source
from autograder.paths import STUDENT_FILES, STUDENT_MODULES
from autograder.quiz import parse_answers_toml
from autograder.safezip import (
    MIB,
    SafeZip,
    UnreadableZipError,
    ZipMemberError,
    format_bytes,
)

MAX_FILE_BYTES = 1 * MIB
MAX_NOTEBOOK_BYTES = 8 * MIB
_IGNORED_PARTS = {"__MACOSX", ".ipynb_checkpoints", "__pycache__"}
_SUBMISSION_SUFFIXES = {".zip", ".ipynb"}


@dataclass
class Submission:
    """A submission's files as text, its quiz answers, and what was wrong with it."""

    id: str
    origin: Path
    files: dict[str, str] = field(default_factory=dict)
    answers: dict[str, object] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def submission_id(path: Path) -> str:
    """The file or folder name without extension, safe to use as a file name."""
    stem = path.name[: -len(path.suffix)] if path.suffix in _SUBMISSION_SUFFIXES else path.name
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", stem).strip(".")
    return cleaned or "submission"


def is_submission(path: Path) -> bool:
    """Whether ``path`` is itself one submission (not a folder of them)."""
    if path.is_file():
        return path.suffix in _SUBMISSION_SUFFIXES
    return _exercise_root(path) is not None


def discover_submissions(inputs: Sequence[Path]) -> list[Path]:
    """Every submission named by ``inputs``; a folder without exercise files holds many."""
    found: list[Path] = []
    for path in inputs:
        if is_submission(path):
            found.append(path)
        elif path.is_dir():
            found += [
                child
                for child in sorted(path.iterdir())
                if not child.name.startswith(".")
                and child.name not in _IGNORED_PARTS
                and is_submission(child)
            ]
    return found


def load_submission(path: Path) -> Submission:
    """Read ``path`` as a submission; bad input is reported, never raised."""
    if not path.exists():
        raise FileNotFoundError(path)
    submission = Submission(id=submission_id(path), origin=path)
    if path.suffix == ".zip":
        _load_zip(path, submission)
    elif path.suffix == ".ipynb":
        _load_notebook(_read_bytes(path, MAX_NOTEBOOK_BYTES, submission), path.name, submission)
    else:
        _load_directory(path, submission)
    _check_sources(submission)
    if not submission.files and not submission.errors:
        submission.errors.append(
            "no exercise files were found; expected any of " + ", ".join(STUDENT_FILES)
        )
    return submission


def write_sources(submission: Submission, directory: Path) -> None:
    """Write the submission's Python modules into ``directory`` for the child to import."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in submission.files.items():
        if name.endswith(".py"):
            (directory / name).write_text(text, encoding="utf-8")


# ---------------------------------------------------------------- folders


def _exercise_root(folder: Path) -> Path | None:
    """The folder holding the exercise files: ``folder`` or its one top-level subfolder."""
    if not folder.is_dir():
        return None
    if _has_exercise_files(folder):
        return folder
    subfolders = [
        p
        for p in folder.iterdir()
        if p.is_dir() and p.name not in _IGNORED_PARTS and not p.name.startswith(".")
    ]
    others = [p for p in folder.iterdir() if p.is_file() and p.suffix in _SUBMISSION_SUFFIXES]
    if len(subfolders) == 1 and not others and _has_exercise_files(subfolders[0]):
        return subfolders[0]  # one wrapping folder, as many zip tools make
    return None


def _has_exercise_files(folder: Path) -> bool:
    # Only the spec's file names count: a folder of notebooks is a folder of submissions.
    return any((folder / name).is_file() for name in STUDENT_FILES)


def _load_directory(folder: Path, submission: Submission) -> None:
    root = _exercise_root(folder) or folder
    for name in STUDENT_FILES:
        path = root / name
        if path.is_symlink():
            submission.errors.append(f"{name} is a symbolic link; submit the file itself")
        elif path.is_file():
            data = _read_bytes(path, MAX_FILE_BYTES, submission)
            if data is not None:
                _add_file(name, data, submission)
    if not any(n.endswith(".py") for n in submission.files):
        notebooks = sorted(p for p in root.glob("*.ipynb") if not p.is_symlink())
        if len(notebooks) == 1:
            data = _read_bytes(notebooks[0], MAX_NOTEBOOK_BYTES, submission)
            _load_notebook(data, notebooks[0].name, submission)
        elif len(notebooks) > 1:
            submission.errors.append(
                "more than one notebook and no .py files: keep one notebook ("
                + ", ".join(p.name for p in notebooks)
                + ")"
            )


def _read_bytes(path: Path, limit: int, submission: Submission) -> bytes | None:
    size = path.stat().st_size
    if size > limit:
        submission.errors.append(
            f"{path.name} is {format_bytes(size)}, over the {format_bytes(limit)} limit"
        )
        return None
    return path.read_bytes()


# ---------------------------------------------------------------- archives


def _load_zip(path: Path, submission: Submission) -> None:
    try:
        with SafeZip(path) as archive:
            submission.errors += archive.errors
            members = _zip_members(archive.names)
            for name, member in members.items():
                limit = MAX_NOTEBOOK_BYTES if name.endswith(".ipynb") else MAX_FILE_BYTES
                try:
                    data = archive.read(member, limit)
                except ZipMemberError as exc:
                    submission.errors.append(str(exc))
                    continue
                if name.endswith(".ipynb"):
                    _load_notebook(data, PurePosixPath(member).name, submission)
                else:
                    _add_file(name, data, submission)
    except UnreadableZipError as exc:
        submission.errors.append(f"{path.name} is not a usable zip archive: {exc}")


def _zip_members(names: Iterable[str]) -> dict[str, str]:
    """Exercise file name → archive member, at the root or under one top-level folder."""
    useful = [n for n in names if not _IGNORED_PARTS & set(PurePosixPath(n).parts)]
    for prefix in ("", *sorted({n.split("/")[0] + "/" for n in useful if "/" in n})):
        found = {name: prefix + name for name in STUDENT_FILES if prefix + name in useful}
        if found:
            return found
    notebooks = [n for n in useful if n.endswith(".ipynb") and n.count("/") <= 1]
    return {"notebook.ipynb": notebooks[0]} if len(notebooks) == 1 else {}


# ---------------------------------------------------------------- files and notebooks


def _add_file(name: str, data: bytes, submission: Submission) -> None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        submission.errors.append(
            f"{name} is not UTF-8 text (byte {exc.start}); save it as UTF-8 and submit again"
        )
        return
    if name == "answers.toml":
        answers, problems = parse_answers_toml(text)
        submission.answers = answers
        submission.errors += [f"answers.toml: {p}" for p in problems]
    else:
        submission.files[name] = text


def _load_notebook(data: bytes | None, name: str, submission: Submission) -> None:
    if data is None:
        return
    parsed = notebook_source(data.decode("utf-8", errors="replace"), name)
    submission.errors += parsed.errors
    submission.warnings += parsed.warnings
    if parsed.source:
        # Every exercise module gets the notebook's code, so each function is
        # found under the module the graders look in.
        for module in STUDENT_MODULES:
            submission.files[f"{module}.py"] = parsed.source
    if parsed.answers is not None:
        submission.answers = parsed.answers


def _check_sources(submission: Submission) -> None:
    """Report syntax errors without running anything; the file's points are lost, no more."""
    reported: set[str] = set()
    for name, text in submission.files.items():
        if not name.endswith(".py"):
            continue
        try:
            compile(text, name, "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as exc:
            line = getattr(exc, "lineno", None)
            where = f" at line {line}" if line else ""
            message = f"{name} has a syntax error{where}: {getattr(exc, 'msg', exc)}"
            if text not in reported:
                submission.errors.append(message)
                reported.add(text)
