"""Each graded submission's code, kept in ``OUT/sources/<id>/`` for review and similarity.

Loading reads files only (nothing runs), so the grader keeps what it graded:
the modules a notebook or zip was turned into. OUT is hidden from student
code, so no submission can read another's copy.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from autograder.course.paths import OutputLayout
from autograder.load.submission import load_submission
from autograder.reporting.report import write_reports
from autograder.workspace import store
from autograder.workspace.apply import apply_workspace
from autograder.workspace.roster import file_time
from autograder.workspace.schema import open_db

SOURCES = "sources"
log = logging.getLogger(__name__)


def sources_dir(out: Path, submission: str) -> Path:
    """Where the code graded for ``submission`` is kept: ``OUT/sources/<id>/``."""
    return out / SOURCES / submission


def store_sources(out: Path, path: Path, submission: str) -> dict[str, str]:
    """Write the ``.py`` modules graded for ``submission``; return them by file name."""
    loaded = load_submission(path)
    files = {name: text for name, text in loaded.files.items() if name.endswith(".py")}
    folder = sources_dir(out, submission)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.py"):
        if old.name not in files:
            old.unlink()
    for name, text in files.items():
        target = folder / name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            # Replaced whole, but not synced: the class folder can always give it again,
            # and a sync per file would cost more than grading a small submission.
            temporary = folder / f".{name}.tmp"
            temporary.write_text(text, encoding="utf-8")
            os.replace(temporary, target)
    return files


def read_sources(out: Path, submission: str) -> dict[str, str]:
    """The kept modules of ``submission`` (none for a name that is not a plain id)."""
    if not submission or submission.startswith(".") or "/" in submission or "\\" in submission:
        return {}
    folder = sources_dir(out, submission)
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.py"))}


def record_graded(out: Path, path: Path | None, result: dict[str, Any]) -> None:
    """Keep a fresh result's code, file time and attempt, and rewrite its reports with
    the TA's decisions when there are any.

    Book-keeping only: a failure here is logged and never stops grading. Without
    ``path`` (a result from elsewhere) only the reports are rewritten.
    """
    submission = result["submission"]
    try:
        if path is not None:
            store_sources(out, path, submission)
            engine = open_db(out)
            try:
                store.record_graded(engine, result, file_time(path))
            finally:
                engine.dispose()
        shown = shown_results(out, [result])[0]
        if shown is not result:
            write_reports(OutputLayout(out), shown)
    except Exception as exc:  # book-keeping of any submission, however odd, never ends a run
        log.warning("could not keep %s in the TA workspace: %s", submission, exc)


def shown_results(out: Path, results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``results`` with the TA's decisions applied, or unchanged if the workspace is unreadable."""
    try:
        return apply_workspace(out, results, record=False)
    except (OSError, ValueError, SQLAlchemyError) as exc:
        log.warning("TA decisions not applied (run `convgrade report %s`): %s", out, exc)
        return results


def load_class_sources(out: Path, class_dir: Path | None = None) -> dict[str, dict[str, str]]:
    """Every submission's code: from a class folder when given, else from ``OUT/sources``."""
    if class_dir is not None:
        from autograder.run.discovery import discover

        code = {}
        for found in discover([class_dir])[0]:
            files = load_submission(found.path, found.id).files
            code[found.id] = {n: t for n, t in files.items() if n.endswith(".py")}
        return code
    root = out / SOURCES
    if not root.is_dir():
        return {}
    return {folder.name: read_sources(out, folder.name) for folder in sorted(root.iterdir())
            if folder.is_dir()}
