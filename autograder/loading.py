"""Read a submission (folder, .zip or .ipynb) into memory without running any of it.

Whatever is wrong with the input becomes a clear message in ``errors`` and
costs only the affected part: a corrupt archive, a broken notebook, a file
with a syntax error, a file that is too big or not UTF-8.

The exercise files, the notebooks beside them and those in a ``notebooks/``
folder are all read, and :mod:`autograder.source_rule` decides per function
where it is graded from (an implemented definition wins over an untouched
stub). A notebook becomes module code through
:mod:`autograder.notebook_source`; a notebook named after a module
(``shapes.ipynb``) supplies only that module, any other supplies them all.
In ``.py`` files and notebooks alike only imports, definitions and constants
run at grading (:mod:`autograder.toplevel`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from autograder.notebook_source import notebook_source
from autograder.paths import STUDENT_FILES, STUDENT_MODULES
from autograder.quiz import parse_answers_toml
from autograder.quiz_answers import is_blank
from autograder.safezip import (
    MIB,
    SafeZip,
    UnreadableZipError,
    ZipLimits,
    ZipMemberError,
    format_bytes,
)
from autograder.source_rule import Candidate, merge_answers, resolve
from autograder.toplevel import Dropped, filter_module

MAX_FILE_BYTES = 1 * MIB
# Notebooks are larger: saved plots stay in them as images.
MAX_NOTEBOOK_BYTES = 32 * MIB
ZIP_LIMITS = ZipLimits(max_archive_bytes=64 * MIB, max_members=500, max_total_bytes=64 * MIB)
EXPECTED_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "convolution": ("zero_pad", "conv_single_step", "conv_forward", "apply_filter"),
    "pooling": ("pool_forward",),
    "shapes": ("conv_output_size", "conv_output_shape", "pool_output_shape", "flatten_size"),
    "params": ("dense_params", "conv2d_params", "summarize"),
    "model": ("build_mnist_cnn", "build_strided_cnn", "build_dense_baseline"),
}
_IGNORED_PARTS = {"__MACOSX", ".ipynb_checkpoints", "__pycache__"}
_SUBMISSION_SUFFIXES = {".zip", ".ipynb"}
_MODULE_NOTEBOOKS = {f"{module}.ipynb": module for module in STUDENT_MODULES}
NOTEBOOK_FOLDER = "notebooks/"  # where the student bundle keeps its notebooks
MAX_NOTEBOOKS = 12
MAX_LISTED = 2000  # entries of a submission folder looked at; a bundle holds a few dozen
NO_WORK = "no work found: did you upload the right files?"
_MAX_ANSWER_DEPTH = 3  # an answer is at most a list of letters

Reader = Callable[[str, int], "bytes | None"]


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
    """The file name without its extension (a folder keeps its whole name), safe as a file name."""
    stem = path.stem if path.is_file() or path.suffix.lower() in _SUBMISSION_SUFFIXES else path.name
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", stem).strip(".")
    return cleaned or "submission"


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


def discover_submissions(inputs: Sequence[Path]) -> list[Path]:
    """Every submission named by ``inputs``; a folder without exercise files holds many."""
    return discover_with_warnings(inputs)[0]


def discover_with_warnings(inputs: Sequence[Path]) -> tuple[list[Path], list[str]]:
    """The submissions named by ``inputs``, and a warning for each one dropped as a duplicate.

    An input that is a submission (or a file, or a path that does not exist,
    which loading then reports) counts once. A folder holding no exercise files
    counts as many: each of its sub-folders, ``.zip`` and ``.ipynb`` files, by
    name, skipping hidden entries and ``__MACOSX``. Two submissions with the
    same id would overwrite each other's results, so only the first is kept.
    """
    found: list[Path] = []
    for path in inputs:
        if path.is_dir() and not is_submission(path):
            found += [
                child
                for child in sorted(path.iterdir())
                if not child.name.startswith(".")
                and child.name not in _IGNORED_PARTS
                and (child.is_dir() or child.suffix.lower() in _SUBMISSION_SUFFIXES)
                and not is_output_folder(child)
            ]
        else:
            found.append(path)
    kept: dict[str, Path] = {}
    warnings: list[str] = []
    for path in found:
        sid = submission_id(path)
        if sid in kept:
            warnings.append(
                f"{path} has the same id {sid!r} as {kept[sid]}; only {kept[sid]} is graded"
            )
        else:
            kept[sid] = path
    return list(kept.values()), warnings


def load_submission(path: Path) -> Submission:
    """Read ``path`` as a submission; bad input is reported, never raised.

    Raises:
        FileNotFoundError: ``path`` does not exist.
    """
    if not path.exists() and not path.is_symlink():
        raise FileNotFoundError(path)
    submission = Submission(id=submission_id(path), origin=path)
    suffix = path.suffix.lower()
    if path.is_dir():
        _load_directory(path, submission)
    elif suffix == ".zip":
        _load_zip(path, submission)
    elif suffix == ".ipynb" or path.name in STUDENT_FILES:
        data = _read_file(path, _limit(path.name), submission)
        if data is not None:
            _load_files(lambda _name, _limit: data, [path.name], submission)
    else:
        submission.errors.append(
            f"{path.name} is not a folder, a .zip archive or an .ipynb notebook"
        )
        return submission
    _check_sources(submission)
    if not submission.files and not submission.answers and not submission.errors:
        submission.errors.append(
            "no exercise files were found; expected any of "
            + ", ".join(STUDENT_FILES)
            + ", or a notebook, at the top of the submission or inside one folder"
        )
    answered = any(not is_blank(v) for v in submission.answers.values())
    if not answered and not submission.no_work and not submission.implemented:
        submission.no_work = True
        submission.errors.append(NO_WORK)
    return submission


def write_sources(submission: Submission, directory: Path) -> None:
    """Write the submission's Python modules into ``directory`` for the child to import."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in submission.files.items():
        if name.endswith(".py"):
            (directory / name).write_text(text, encoding="utf-8")


# ---------------------------------------------------------------- layout


def _exercise_root(folder: Path) -> Path | None:
    """The folder holding the exercise files: ``folder`` or its one top-level subfolder."""
    if not folder.is_dir():
        return None
    if _has_exercise_files(folder):
        return folder
    entries = [p for p in folder.iterdir() if not _ignored(p.name)]
    subfolders = [p for p in entries if p.is_dir()]
    others = [p for p in entries if p.is_file() and p.suffix.lower() in _SUBMISSION_SUFFIXES]
    if len(subfolders) == 1 and not others and _has_exercise_files(subfolders[0]):
        return subfolders[0]  # one wrapping folder, as many zip tools make
    return None


def _has_exercise_files(folder: Path) -> bool:
    # Only the spec's file names count: a folder of notebooks is a folder of submissions.
    return any((folder / name).is_file() for name in STUDENT_FILES)


def _ignored(name: str) -> bool:
    return name in _IGNORED_PARTS or name.startswith(".")


def _choose_prefix(names: Sequence[str]) -> tuple[str, str | None]:
    """The folder to read, ``""`` or one top-level ``folder/``, and a note when it was a choice."""
    folders = sorted({n.split("/")[0] + "/" for n in names if "/" in n})

    def holds(prefix: str, wanted: Callable[[str], bool]) -> bool:
        rests = (n[len(prefix) :] for n in names if n.startswith(prefix))
        return any(wanted(rest) for rest in map(_own_entry, rests) if rest)

    for wanted in (STUDENT_FILES.__contains__, lambda n: n.lower().endswith(".ipynb")):
        holding = [p for p in ("", *folders) if holds(p, wanted)]
        if holding:
            note = None
            if len(holding) > 1 and holding[0]:
                note = (
                    f"files were found in several folders ({', '.join(holding)}); "
                    f"only {holding[0]} was read"
                )
            return holding[0], note
    return "", None


def _own_entry(rest: str) -> str:
    """``rest`` when it is a file of the folder itself or of its ``notebooks/`` folder, else ""."""
    if "/" not in rest:
        return rest
    inner = rest.removeprefix(NOTEBOOK_FOLDER)
    if rest.startswith(NOTEBOOK_FOLDER) and "/" not in inner and inner.lower().endswith(".ipynb"):
        return rest
    return ""


# ---------------------------------------------------------------- sources


def _load_directory(folder: Path, submission: Submission) -> None:
    names = _list_folder(folder)

    def read(name: str, limit: int) -> bytes | None:
        path = folder / name
        if path.is_symlink():
            submission.errors.append(f"{name} is a symbolic link; submit the file itself")
            return None
        return _read_file(path, limit, submission)

    _load_files(read, names, submission)


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
            _load_files(read, names, submission)
    except UnreadableZipError as exc:
        submission.errors.append(f"{path.name} is not a usable zip archive: {exc}")


def _load_files(read: Reader, names: Sequence[str], submission: Submission) -> None:
    """Read the exercise files and notebooks of the chosen folder and apply the source rule."""
    prefix, note = _choose_prefix(names)
    if note:
        submission.warnings.append(note)
    here = sorted(r for n in names if n.startswith(prefix) and (r := _own_entry(n[len(prefix):])))
    candidates: list[Candidate] = []
    answers: list[tuple[str, dict[str, object]]] = []
    for name in STUDENT_FILES:
        if name in here and (data := read(prefix + name, MAX_FILE_BYTES)) is not None:
            _add_file(name, data, candidates, answers, submission)
    notebooks = [n for n in here if n.lower().endswith(".ipynb")]
    if len(notebooks) > MAX_NOTEBOOKS:
        submission.warnings.append(
            f"{len(notebooks)} notebooks found; only the first {MAX_NOTEBOOKS} were read"
        )
    # The exercise's own notebook comes before a whole-assignment one (see source_rule).
    notebooks.sort(key=lambda n: (n.rsplit("/", 1)[-1] not in _MODULE_NOTEBOOKS, n))
    for notebook in notebooks[:MAX_NOTEBOOKS]:
        data = read(prefix + notebook, MAX_NOTEBOOK_BYTES)
        if data is not None:
            _add_notebook(data, notebook, candidates, answers, submission)
    resolved = resolve(candidates, EXPECTED_FUNCTIONS)
    submission.files.update(resolved.files)
    submission.graded_from = resolved.graded_from
    submission.offered_by = resolved.offered_by
    submission.dropped = resolved.dropped
    submission.warnings += resolved.warnings
    submission.implemented = resolved.implemented
    submission.unfinished = resolved.unfinished
    merged = merge_answers(answers, submission.warnings)
    submission.answers = _sane_answers(merged, submission.errors)


def _add_file(
    name: str,
    data: bytes,
    candidates: list[Candidate],
    answers: list[tuple[str, dict[str, object]]],
    submission: Submission,
) -> None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        submission.errors.append(
            f"{name} is not UTF-8 text (byte {exc.start}); save it as UTF-8 and submit again"
        )
        return
    if name == "answers.toml":
        try:
            parsed, problems = parse_answers_toml(text)
        except (RecursionError, MemoryError):
            parsed, problems = {}, ["it is nested too deeply to read; no quiz answer was read"]
        answers.append((name, parsed))
        submission.errors += [p if p.startswith(name) else f"{name}: {p}" for p in problems]
    else:
        filtered = filter_module(text, name)
        candidates.append(Candidate(name, (name[:-3],), filtered.text, filtered.dropped))


def _add_notebook(
    data: bytes,
    name: str,
    candidates: list[Candidate],
    answers: list[tuple[str, dict[str, object]]],
    submission: Submission,
) -> None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        submission.errors.append(f"notebook could not be read: {name} is not UTF-8 ({exc.reason})")
        return
    try:
        parsed = notebook_source(text, name)
    except (RecursionError, MemoryError):
        submission.errors.append(f"{name} is nested too deeply to read; it was skipped")
        return
    submission.errors += parsed.errors
    submission.warnings += parsed.warnings
    base = name.rsplit("/", 1)[-1]
    modules = (_MODULE_NOTEBOOKS[base],) if base in _MODULE_NOTEBOOKS else STUDENT_MODULES
    if parsed.source:
        candidates.append(Candidate(name, modules, parsed.source, parsed.dropped))
    if parsed.answers is not None:
        answers.append((name, parsed.answers))


def _sane_answers(answers: dict[str, object], errors: list[str]) -> dict[str, object]:
    """The answers whose values are flat enough to be an answer; the rest are reported."""

    def depth(value: object, level: int = 0) -> int:
        if level > _MAX_ANSWER_DEPTH or not isinstance(value, list | tuple | set | dict):
            return level
        items = value.values() if isinstance(value, dict) else value
        return max((depth(v, level + 1) for v in items), default=level + 1)

    kept = {}
    for qid, value in answers.items():
        if depth(value) > _MAX_ANSWER_DEPTH:
            errors.append(f"quiz answer {qid} is nested too deeply to be read")
        else:
            kept[qid] = value
    return kept


def _check_sources(submission: Submission) -> None:
    """Report syntax errors without running anything; the file's points are lost, no more."""
    reported: set[str] = set()
    for name, text in submission.files.items():
        if not name.endswith(".py") or text in reported:
            continue
        try:
            compile(text, name, "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as exc:
            line = getattr(exc, "lineno", None)
            where = f" at line {line}" if line else ""
            submission.errors.append(
                f"{name} has a syntax error{where}: {getattr(exc, 'msg', exc)}"
            )
            reported.add(text)
