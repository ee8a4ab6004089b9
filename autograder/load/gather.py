"""Gather a submission's exercise files and notebooks and apply the source rule to them.

The folder read is the submission's root, or the one top-level folder that
holds the exercise files (as many zip tools make). Its ``.py`` files,
``answers.toml`` and notebooks, those in a ``notebooks/`` folder included,
are all read; :mod:`autograder.load.source_rule` then decides per function where
it is graded from, and quiz answers are merged per question.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from autograder.course.table import course_table
from autograder.load.notebook_source import notebook_source
from autograder.load.safezip import MIB
from autograder.load.source_rule import Candidate, merge_answers, resolve
from autograder.load.toplevel import filter_module
from autograder.quiz.answers import parse_answers_toml
from autograder.run.names import shown

if TYPE_CHECKING:
    from autograder.load.submission import Submission

MAX_FILE_BYTES = 1 * MIB
# Notebooks are larger: saved plots stay in them as images.
MAX_NOTEBOOK_BYTES = 32 * MIB
NOTEBOOK_FOLDER = "notebooks/"  # where the student bundle keeps its notebooks
MAX_NOTEBOOKS = 12
_MAX_ANSWER_DEPTH = 3  # an answer is at most a list of letters

Reader = Callable[[str, int], "bytes | None"]


def choose_prefix(names: Sequence[str]) -> tuple[str, str | None]:
    """The folder to read, ``""`` or one top-level ``folder/``, and a note when it was a choice."""
    folders = sorted({n.split("/")[0] + "/" for n in names if "/" in n})

    def holds(prefix: str, wanted: Callable[[str], bool]) -> bool:
        rests = (n[len(prefix) :] for n in names if n.startswith(prefix))
        return any(wanted(rest) for rest in map(own_entry, rests) if rest)

    files = course_table().student_files
    for wanted in (files.__contains__, lambda n: n.lower().endswith(".ipynb")):
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


def own_entry(rest: str) -> str:
    """``rest`` when it is a file of the folder itself or of its ``notebooks/`` folder, else ""."""
    if "/" not in rest:
        return rest
    inner = rest.removeprefix(NOTEBOOK_FOLDER)
    if rest.startswith(NOTEBOOK_FOLDER) and "/" not in inner and inner.lower().endswith(".ipynb"):
        return rest
    return ""


def gather_files(read: Reader, names: Sequence[str], submission: Submission) -> None:
    """Read the exercise files and notebooks of the chosen folder and apply the source rule."""
    prefix, note = choose_prefix(names)
    if note:
        submission.warnings.append(note)
    here = sorted(r for n in names if n.startswith(prefix) and (r := own_entry(n[len(prefix):])))
    found = _Found()
    table = course_table()
    for name in table.student_files:
        if name in here and (data := read(prefix + name, MAX_FILE_BYTES)) is not None:
            _add_file(name, data, found, submission)
    notebooks = [n for n in here if n.lower().endswith(".ipynb")]
    if len(notebooks) > MAX_NOTEBOOKS:
        submission.warnings.append(
            f"{len(notebooks)} notebooks found; only the first {MAX_NOTEBOOKS} were read"
        )
    # The exercise's own notebook comes before a whole-assignment one (see source_rule).
    own = {e.notebook for e in table.exercises}
    notebooks.sort(key=lambda n: (n.rsplit("/", 1)[-1] not in own, n))
    for notebook in notebooks[:MAX_NOTEBOOKS]:
        data = read(prefix + notebook, MAX_NOTEBOOK_BYTES)
        if data is not None:
            _add_notebook(data, notebook, found, submission)
    resolved = resolve(found.candidates, table.functions)
    submission.files.update(resolved.files)
    submission.graded_from = resolved.graded_from
    submission.offered_by = resolved.offered_by
    submission.dropped = resolved.dropped
    submission.warnings += resolved.warnings
    submission.implemented = resolved.implemented
    submission.unfinished = resolved.unfinished
    merged = merge_answers(found.answers, submission.warnings)
    submission.answers = _sane_answers(merged, submission.errors)


@dataclass
class _Found:
    """What a submission's files offer, in priority order: code to grade and quiz answers."""

    candidates: list[Candidate] = field(default_factory=list)
    answers: list[tuple[str, dict[str, object]]] = field(default_factory=list)


def _add_file(name: str, data: bytes, found: _Found, submission: Submission) -> None:
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
        found.answers.append((name, parsed))
        submission.errors += [p if p.startswith(name) else f"{name}: {p}" for p in problems]
    else:
        filtered = filter_module(text, name)
        found.candidates.append(Candidate(name, (name[:-3],), filtered.text, filtered.dropped))


def _add_notebook(data: bytes, name: str, found: _Found, submission: Submission) -> None:
    place = shown(name)  # a file name reaches messages and terminals: nothing unprintable
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        submission.errors.append(f"notebook could not be read: {place} is not UTF-8 ({exc.reason})")
        return
    try:
        parsed = notebook_source(text, place)
    except (RecursionError, MemoryError):
        submission.errors.append(f"{place} is nested too deeply to read; it was skipped")
        return
    submission.errors += parsed.errors
    submission.warnings += parsed.warnings
    base = name.rsplit("/", 1)[-1]
    table = course_table()
    own = {e.notebook: e.name for e in table.exercises}
    modules = (own[base],) if base in own else table.names
    if parsed.source:
        found.candidates.append(Candidate(place, modules, parsed.source, parsed.dropped))
    if parsed.answers is not None:
        found.answers.append((place, parsed.answers))


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
