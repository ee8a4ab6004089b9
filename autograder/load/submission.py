"""Read a submission (folder, .zip or .ipynb) into memory without running any of it.

Whatever is wrong with the input becomes a clear message in ``errors`` and
costs only the affected part: a corrupt archive, a broken notebook, a file
with a syntax error, a file that is too big or not UTF-8.

The exercise files, the notebooks beside them and those in a ``notebooks/``
folder are all read, and :mod:`autograder.load.source_rule` decides per function
where it is graded from (an implemented definition wins over an untouched
stub). A notebook becomes module code through
:mod:`autograder.load.notebook_source`; a notebook named after a module
(``shapes.ipynb``) supplies only that module, any other supplies them all.
In ``.py`` files and notebooks alike only imports, definitions and constants
run at grading (:mod:`autograder.load.toplevel`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from autograder.course.table import course_table
from autograder.load.dropped import Dropped
from autograder.load.gather import (
    MAX_FILE_BYTES,
    MAX_NOTEBOOK_BYTES,
    NOTEBOOK_FOLDER,
    gather_files,
)
from autograder.load.safezip import (
    MIB,
    SafeZip,
    UnreadableZipError,
    ZipLimits,
    ZipMemberError,
    format_bytes,
)
from autograder.quiz.answers import is_blank
from autograder.run.names import safe_id, shown

ZIP_LIMITS = ZipLimits(max_archive_bytes=64 * MIB, max_members=500, max_total_bytes=64 * MIB)
_IGNORED_PARTS = {"__MACOSX", ".ipynb_checkpoints", "__pycache__"}
_SUBMISSION_SUFFIXES = {".zip", ".ipynb"}
MAX_LISTED = 2000  # entries of a submission folder looked at; a bundle holds a few dozen
NO_WORK = "no work found: did you upload the right files?"


@dataclass
class Submission:
    """A submission's files as text, its quiz answers, and what was wrong with it."""

    id: str
    origin: Path
    files: dict[str, str] = field(default_factory=dict)
    answers: dict[str, object] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # module -> function -> the file it is graded from ("" when nowhere)
    graded_from: dict[str, dict[str, str]] = field(default_factory=dict)
    offered_by: dict[str, list[str]] = field(default_factory=dict)  # module -> files read
    # top-level statements of the graded files that do not run when graded
    dropped: list[Dropped] = field(default_factory=list)
    implemented: bool = False  # some expected function is more than a stub
    unfinished: list[str] = field(default_factory=list)  # functions graded from a stub
    # nothing implemented and no quiz answer
    no_work: bool = False


def submission_id(path: Path) -> str:
    """The file name without its extension (a folder keeps its whole name), made safe.

    See :mod:`autograder.run.names`: capped in length, no control characters, never
    starting with ``= + - @``.
    """
    stem = path.stem if path.is_file() or path.suffix.lower() in _SUBMISSION_SUFFIXES else path.name
    return safe_id(stem)


def is_submission(path: Path) -> bool:
    """Whether ``path`` is itself one submission (not a folder of them).

    A folder counts as one only when it holds exercise files itself: a class
    folder holding a single student's folder is a class of one, graded under
    the student's name.
    """
    if path.is_file():
        return path.suffix.lower() in _SUBMISSION_SUFFIXES
    return path.is_dir() and _has_exercise_files(path)


def is_output_folder(path: Path) -> bool:
    """Whether ``path`` is something convgrade wrote (an OUT folder or its parts), not a student."""
    if not path.is_dir():
        return False
    if (path / "gradebook.csv").is_file() or (path / "results").is_dir():
        return True
    # stats/ and the parts of an OUT folder that may be copied elsewhere
    return (path / "stats.json").is_file() or (path / "class_summary.html").is_file()


def load_submission(path: Path, sid: str | None = None) -> Submission:
    """Read ``path`` as a submission (id ``sid``, or its own); bad input is reported, never raised.

    Raises:
        FileNotFoundError: ``path`` does not exist.
    """
    if not path.exists() and not path.is_symlink():
        raise FileNotFoundError(path)
    submission = Submission(id=sid or submission_id(path), origin=path)
    suffix = path.suffix.lower()
    if path.is_symlink():
        # A link could point anywhere the grader can read (the reference, a classmate).
        submission.errors.append(
            f"{shown(path.name)} is a symbolic link, which is never graded; "
            "submit the folder or file itself"
        )
        return submission
    accepted = path.is_dir() or suffix in _SUBMISSION_SUFFIXES
    if not (accepted or path.name in course_table().student_files):
        submission.errors.append(
            f"{path.name} is not a folder, a .zip archive or an .ipynb notebook"
        )
        return submission
    try:
        _load_any(path, submission)
        _check_sources(submission)
    except (RecursionError, MemoryError):
        # Code nested beyond what Python's own tools handle costs this submission only.
        submission.files.clear()
        submission.errors.append(
            f"{path.name} holds code or data nested too deeply to read; simplify it and "
            "submit again"
        )
    if not submission.files and not submission.answers and not submission.errors:
        submission.errors.append(
            "no exercise files were found; expected any of "
            + ", ".join(course_table().student_files)
            + ", or a notebook, at the top of the submission or inside one folder"
        )
    answered = any(not is_blank(v) for v in submission.answers.values())
    if not answered and not submission.no_work and not submission.implemented:
        submission.no_work = True
        submission.errors.append(NO_WORK)
    return submission


def _load_any(path: Path, submission: Submission) -> None:
    if path.is_dir():
        _load_directory(path, submission)
    elif path.suffix.lower() == ".zip":
        _load_zip(path, submission)
    else:
        data = _read_file(path, _limit(path.name), submission)
        if data is not None:
            gather_files(lambda _name, _limit: data, [path.name], submission)


def write_sources(submission: Submission, directory: Path) -> None:
    """Write the submission's Python modules into ``directory`` for the child to import."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in submission.files.items():
        if name.endswith(".py"):
            (directory / name).write_text(text, encoding="utf-8")


# ---------------------------------------------------------------- layout


def _has_exercise_files(folder: Path) -> bool:
    # Only the spec's file names count: a folder of notebooks is a folder of submissions.
    return any((folder / name).is_file() for name in course_table().student_files)


def _ignored(name: str) -> bool:
    return name in _IGNORED_PARTS or name.startswith(".")


# ---------------------------------------------------------------- sources


def _load_directory(folder: Path, submission: Submission) -> None:
    names = _list_folder(folder)

    def read(name: str, limit: int) -> bytes | None:
        path = folder / name
        if path.is_symlink():
            submission.errors.append(f"{name} is a symbolic link; submit the file itself")
            return None
        return _read_file(path, limit, submission)

    gather_files(read, names, submission)


def _list_folder(folder: Path) -> list[str]:
    """Relative file names two levels down, and three inside a ``notebooks/`` folder."""
    names: list[str] = []

    def walk(directory: Path, prefix: str, depth: int) -> None:
        for entry in sorted(directory.iterdir()):
            if _ignored(entry.name) or len(names) >= MAX_LISTED:
                continue
            if not entry.is_dir():
                names.append(prefix + entry.name)
            elif not entry.is_symlink() and (
                depth == 0 or (depth == 1 and entry.name == NOTEBOOK_FOLDER[:-1])
            ):
                walk(entry, f"{prefix}{entry.name}/", depth + 1)

    walk(folder, "", 0)  # a notebooks/ folder is entered at most two levels down
    return names


def _read_file(path: Path, limit: int, submission: Submission) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(limit + 1)  # never more than the limit, whatever stat says
    except OSError as exc:
        submission.errors.append(f"{path.name} could not be read: {exc.strerror or exc}")
        return None
    if len(data) > limit:
        submission.errors.append(
            f"{path.name} is over the {format_bytes(limit)} limit"
            + _NOTEBOOK_HINT * path.name.lower().endswith(".ipynb")
        )
        return None
    return data


_NOTEBOOK_HINT = "; clear its outputs and save it again"


def _limit(name: str) -> int:
    return MAX_NOTEBOOK_BYTES if name.lower().endswith(".ipynb") else MAX_FILE_BYTES


def _load_zip(path: Path, submission: Submission) -> None:
    try:
        with SafeZip(path, ZIP_LIMITS) as archive:
            submission.errors += archive.errors

            def read(name: str, limit: int) -> bytes | None:
                try:
                    return archive.read(name, limit)
                except ZipMemberError as exc:
                    hint = _NOTEBOOK_HINT if "limit" in str(exc) and name.endswith("ipynb") else ""
                    submission.errors.append(f"{exc}{hint}")
                    return None

            names = [n for n in archive.names if not any(map(_ignored, n.split("/")))]
            gather_files(read, names, submission)
    except UnreadableZipError as exc:
        submission.errors.append(f"{path.name} is not a usable zip archive: {exc}")


def _check_sources(submission: Submission) -> None:
    """Report syntax errors without running anything; the file's points are lost, no more."""
    reported: set[str] = set()
    for name, text in submission.files.items():
        if not name.endswith(".py") or text in reported:
            continue
        try:
            compile(text, name, "exec", dont_inherit=True)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            line = getattr(exc, "lineno", None)
            where = f" at line {line}" if line else ""
            submission.errors.append(
                f"{name} has a syntax error{where}: {getattr(exc, 'msg', exc)}"
            )
            reported.add(text)
