"""Which submissions a run grades, and the distinct, safe id each is stored under.

Nothing is read here beyond folder listings; loading happens later, per
submission (:mod:`autograder.load.submission`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from autograder.load.submission import (
    _IGNORED_PARTS,
    _SUBMISSION_SUFFIXES,
    is_output_folder,
    is_submission,
    submission_id,
)
from autograder.run.names import shown


@dataclass(frozen=True)
class Found:
    """One submission a run will grade, and the id its result files are named by."""

    path: Path
    id: str
    # Why the id is not the file's own (another file gave the same one), for its result.
    note: str = ""


def discover_with_warnings(inputs: Sequence[Path]) -> tuple[list[Path], list[str]]:
    """The submissions named by ``inputs``, and a warning for each id that had to change."""
    found, warnings = discover(inputs)
    return [f.path for f in found], warnings


def discover(inputs: Sequence[Path]) -> tuple[list[Found], list[str]]:
    """The submissions named by ``inputs`` with distinct ids, and a warning per renamed one.

    An input that is a submission (or a file, or a path that does not exist,
    which loading then reports) counts once, however often it is named. A
    folder holding no exercise files counts as many: each of its sub-folders,
    ``.zip`` and ``.ipynb`` files, by name, skipping hidden entries,
    ``__MACOSX`` and what convgrade wrote (an OUT folder, a ``stats/``
    folder). Two submissions whose names give the same id (``bob.ipynb``
    and ``bob.zip``) are both graded: the later one gets the id with its kind
    appended (``bob-zip``), and a warning names both.
    """
    paths: list[Path] = []
    warnings: list[str] = []
    for path in inputs:
        if is_output_folder(path):  # what convgrade wrote is never a student
            warnings.append(f"{shown(path)} is a grading output folder, not submissions; skipped")
        elif path.is_dir() and not is_submission(path):
            paths += [
                child
                for child in sorted(path.iterdir())
                if not child.name.startswith(".")
                and child.name not in _IGNORED_PARTS
                and (child.is_dir() or child.suffix.lower() in _SUBMISSION_SUFFIXES)
                and not is_output_folder(child)
            ]
        else:
            paths.append(path)
    taken: dict[str, Path] = {}
    found: list[Found] = []
    named: set[str] = set()
    for path in paths:
        where = os.path.normpath(os.path.abspath(path))  # links are not followed
        if where in named:
            continue  # the same submission named twice is graded once
        named.add(where)
        base = sid = submission_id(path)
        if sid in taken:
            kind = path.suffix.lower().lstrip(".") if path.is_file() else "folder"
            sid, number = f"{base}-{kind or 'file'}", 1
            while sid in taken:
                number += 1
                sid = f"{base}-{kind or 'file'}-{number}"
            warnings.append(
                f"{shown(path)} and {shown(taken[base])} both give the id {base!r}; "
                f"{shown(path.name)} is graded as {sid!r}"
            )
            note = f"graded as {sid!r}: {shown(taken[base].name)} has the same name"
        else:
            note = ""
        taken[sid] = path
        found.append(Found(path, sid, note))
    return found, warnings
