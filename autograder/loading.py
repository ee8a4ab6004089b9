"""Read a submission (folder, .zip or .ipynb) into memory without running any of it.

Whatever is wrong with the input becomes a clear message in ``errors`` and
costs only the affected part: a corrupt archive, a broken notebook, a file
with a syntax error, a file that is too big or not UTF-8.

A notebook becomes module sources through :mod:`autograder.notebook_source`.
One notebook holding everything supplies every exercise module: each of the
five module files is the same filtered notebook code, so a function is found
whichever module the graders look in, and sibling imports (``import shapes``)
still resolve. Notebooks named after a module (``shapes.ipynb``) supply only
that module. A function the notebook lacks fails as missing, like a missing
function in a ``.py`` file, and loading warns about it by name.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from autograder.names import safe_id, shown
from autograder.notebook_source import notebook_source
from autograder.paths import STUDENT_FILES, STUDENT_MODULES
from autograder.quiz import parse_answers_toml
from autograder.safezip import (
    MIB,
    SafeZip,
    UnreadableZipError,
    ZipLimits,
    ZipMemberError,
    format_bytes,
)

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


def submission_id(path: Path) -> str:
    """The file name without its extension (a folder keeps its whole name), made safe.

    See :mod:`autograder.names`: capped in length, no control characters, never
    starting with ``= + - @``.
    """
    stem = path.stem if path.is_file() or path.suffix.lower() in _SUBMISSION_SUFFIXES else path.name
    return safe_id(stem)


def is_submission(path: Path) -> bool:
    """Whether ``path`` is itself one submission (not a folder of them)."""
    if path.is_file():
        return path.suffix.lower() in _SUBMISSION_SUFFIXES
    return _exercise_root(path) is not None


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
        return any("/" not in rest and wanted(rest) for rest in rests)

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


# ---------------------------------------------------------------- sources


def _load_directory(folder: Path, submission: Submission) -> None:
    names: list[str] = []
    for entry in sorted(folder.iterdir()):
        if _ignored(entry.name):
            continue
        if entry.is_dir() and not entry.is_symlink():
            names += [
                f"{entry.name}/{p.name}"
                for p in sorted(entry.iterdir())
                if not _ignored(p.name) and not p.is_dir()
            ]
        elif not entry.is_dir():
            names.append(entry.name)

    def read(name: str, limit: int) -> bytes | None:
        path = folder / name
        if path.is_symlink():
            submission.errors.append(f"{name} is a symbolic link; submit the file itself")
            return None
        return _read_file(path, limit, submission)

    _load_files(read, names, submission)


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
    """Read the exercise files, or else the notebooks, from the chosen folder of ``names``."""
    prefix, note = _choose_prefix(names)
    if note:
        submission.warnings.append(note)
    here = sorted(
        n[len(prefix) :] for n in names if n.startswith(prefix) and "/" not in n[len(prefix) :]
    )
    for name in STUDENT_FILES:
        if name in here and (data := read(prefix + name, MAX_FILE_BYTES)) is not None:
            _add_file(name, data, submission)
    notebooks = [n for n in here if n.lower().endswith(".ipynb")]
    if not notebooks:
        return
    if any(name.endswith(".py") and name in here for name in STUDENT_FILES):
        submission.warnings.append(
            f"{', '.join(notebooks)} ignored: the .py files are graded, not the notebook"
        )
        return
    if len(notebooks) > 1 and not all(n in _MODULE_NOTEBOOKS for n in notebooks):
        submission.errors.append(
            f"several notebooks ({', '.join(notebooks)}) and no .py files: submit one notebook "
            "holding everything, or one per exercise named " + ", ".join(_MODULE_NOTEBOOKS)
        )
        return
    had_toml = "answers.toml" in here
    for notebook in notebooks:
        data = read(prefix + notebook, MAX_NOTEBOOK_BYTES)
        if data is not None:
            modules = STUDENT_MODULES if len(notebooks) == 1 else (_MODULE_NOTEBOOKS[notebook],)
            _add_notebook(data, notebook, modules, had_toml, submission)


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
        submission.errors += [p if p.startswith(name) else f"{name}: {p}" for p in problems]
    else:
        submission.files[name] = text


def _add_notebook(
    data: bytes, name: str, modules: Sequence[str], had_toml: bool, submission: Submission
) -> None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        submission.errors.append(f"notebook could not be read: {name} is not UTF-8 ({exc.reason})")
        return
    parsed = notebook_source(text, name)
    submission.errors += parsed.errors
    submission.warnings += parsed.warnings
    if parsed.source:
        for module in modules:
            submission.files[f"{module}.py"] = parsed.source
        lacking = [f for m in modules for f in EXPECTED_FUNCTIONS[m] if f not in parsed.defined]
        if lacking:
            submission.warnings.append(
                f"{name} does not define {', '.join(lacking)}; those tests count as missing"
            )
    if parsed.answers is not None:
        if had_toml:
            submission.warnings.append(
                f"QUIZ_ANSWERS in {name} was ignored: answers.toml is used instead"
            )
        else:
            submission.answers.update(parsed.answers)


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
