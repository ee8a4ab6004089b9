"""The release's leak search: instructor material in a student bundle or wheel.

``assert_clean_bundle`` searches a bundle for copies of reference, grader or key
files, lines of a solution, quiz explanations, distinctive quiz answers (numbers
of 100 or more, shapes) or a solution marker. A wheel is searched member by
member, and any member under a ``graders`` or ``reference`` folder, or named
``keys.toml`` or like a hidden grader of the course table, is a leak whatever it
holds.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

import nbformat

from autograder.authoring.stubs import BEGIN, END
from autograder.authoring.wheel import hidden_member, wheel_members
from autograder.course.paths import CourseLayout
from autograder.course.table import course_table
from autograder.quiz.files import load_keys

MIN_LINE = 30  # solution lines this short ("return out") are too common to count as leaks
# Lines the engine itself must hold to diagnose mistakes, and which the spec states in
# words ("odd extra padding goes bottom/right"): no leak when found in the wheel's code.
ENGINE_LINES = frozenset({"return total // 2, total - total // 2"})
MARKER = "BEGIN SOLUTION"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")

def _secret_files(course: CourseLayout) -> list[Path]:
    found = [p for p in (course.quiz_keys, course.quizzes / "secret.toml") if p.is_file()]
    for folder in (course.reference, course.graders):
        if folder.is_dir():
            found += [p for p in sorted(folder.rglob("*"))
                      if p.is_file() and "__pycache__" not in p.parts]
    return found


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _bare(line: str) -> str:
    """A line without indentation or a leading comment sign, so commented copies match."""
    return line.strip().lstrip("#").strip()


def _solution_lines(course: CourseLayout) -> set[str]:
    """Lines longer than MIN_LINE found only inside solution regions of the reference."""
    inside: set[str] = set()
    outside: set[str] = set()
    for path in sorted(course.reference.glob("*.py")) if course.reference.is_dir() else []:
        in_region = False
        for line in path.read_text(encoding="utf-8").splitlines():
            stripped = _bare(line)
            if line.strip() in (BEGIN, END):
                in_region = line.strip() == BEGIN
            elif len(stripped) > MIN_LINE:
                (inside if in_region else outside).add(stripped)
    # A line that the reference also shows outside any region ships in the stubs anyway.
    return inside - outside


def _explanation_sentences(course: CourseLayout) -> set[str]:
    if not course.quiz_keys.is_file():
        return set()
    sentences: set[str] = set()
    for key in load_keys(course.quiz_keys).values():
        for sentence in _SENTENCE_END.split(" ".join(key.explanation.split())):
            if len(sentence) > MIN_LINE:
                sentences.add(sentence)
    return sentences


def answer_patterns(answer: object) -> list[str]:
    """Regexes for the ways a distinctive numeric or shape answer is usually written.

    Small numbers and letters are left out: they appear in any text by chance.
    """
    if isinstance(answer, int | float) and not isinstance(answer, bool) and abs(answer) >= 100:
        text = f"{answer:g}" if isinstance(answer, float) else str(answer)
        return [rf"(?<![\d.,]){re.escape(v)}(?![\d]|[.,]\d)" for v in {text, f"{answer:,}"}]
    if isinstance(answer, str) and re.fullmatch(r"\d+x\d+x\d+", answer):
        h, w, c = answer.split("x")
        return [rf"\b{h}\s*x\s*{w}\s*x\s*{c}\b", rf"\(\s*{h},\s*{w},\s*{c}\s*\)"]
    return []


def _answer_searches(course: CourseLayout) -> dict[str, list[re.Pattern[str]]]:
    if not course.quiz_keys.is_file():
        return {}
    found = {
        qid: [re.compile(p) for p in answer_patterns(key.answer)]
        for qid, key in load_keys(course.quiz_keys).items()
    }
    return {qid: patterns for qid, patterns in found.items() if patterns}


def _texts_of(name: str, data: bytes) -> list[str]:
    """The text a person would read in a file: for notebooks, the cell sources too."""
    raw = data.decode("utf-8", errors="replace")
    if name.endswith(".ipynb"):
        try:
            nb = nbformat.reads(raw, as_version=4)
        except Exception:  # an unreadable notebook is still searched as plain text
            return [raw]
        return [raw, *(cell.source for cell in nb.cells)]
    return [raw]


@dataclass(frozen=True)
class LeakSearch:
    """What instructor material looks like, to be searched for in anything that ships."""

    secrets: dict[str, Path]
    solution_lines: set[str]
    sentences: set[str]
    answers: dict[str, list[re.Pattern[str]]]
    # The hidden graders' file names, from the course table: none may ship under any folder.
    grader_names: frozenset[str] = frozenset()

    @classmethod
    def of(cls, course: CourseLayout) -> LeakSearch:
        secrets = {}
        for path in _secret_files(course):
            data = path.read_bytes()
            if data.strip():  # an empty __init__.py would match every empty file
                secrets[_digest(data)] = path
        graders = frozenset(e.grader for e in course_table(course).exercises)
        return cls(secrets, _solution_lines(course), _explanation_sentences(course),
                   _answer_searches(course), graders)

    def find(self, rel: str, data: bytes, course: CourseLayout, markers: bool = True) -> list[str]:
        """Every leak in one shipped file, ``data`` being its content."""
        leaks = []
        if PurePosixPath(rel.rsplit("!", 1)[-1]).name in self.grader_names:
            leaks.append(f"{rel}: named like a hidden grader of the course table")
        if (twin := self.secrets.get(_digest(data))) is not None:
            shown = twin.relative_to(course.root) if twin.is_relative_to(course.root) else twin
            leaks.append(f"{rel}: a copy of {shown.as_posix()}")
        texts = _texts_of(rel, data)
        if markers and any(MARKER in text for text in texts):
            leaks.append(f"{rel}: contains the marker {MARKER!r}")
        lines = {_bare(line) for text in texts for line in text.splitlines()}
        leaks += [f"{rel}: a line of a reference solution: {line}"
                  for line in sorted(lines & self.solution_lines)]
        flat = " ".join(" ".join(texts).split())
        leaks += [f"{rel}: text from a quiz explanation: {sentence}"
                  for sentence in sorted(s for s in self.sentences if s in flat)]
        leaks += [f"{rel}: the answer to quiz question {qid}"
                  for qid, patterns in self.answers.items()
                  if any(p.search(text) for p in patterns for text in texts)]
        return leaks


def assert_clean_bundle(out: Path, course: CourseLayout) -> list[str]:
    """Every leak of instructor material found under ``out``; empty when the bundle is clean.

    A wheel in the bundle is searched member by member, and must hold no hidden
    grader, reference or key file at all, whatever its content.
    """
    out = Path(out)
    search = LeakSearch.of(course)
    leaks: list[str] = []
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        rel = path.relative_to(out).as_posix()
        if path.suffix == ".whl":
            leaks += wheel_leaks(path, course, search, rel)
        else:
            leaks += search.find(rel, path.read_bytes(), course)
    return leaks


def wheel_leaks(
    wheel: Path, course: CourseLayout, search: LeakSearch | None = None, rel: str | None = None
) -> list[str]:
    """Every leak of instructor material in a wheel: hidden files by name, then by content."""
    search = search or LeakSearch.of(course)
    rel = rel or wheel.name
    try:
        members = wheel_members(wheel)
    except ValueError as exc:
        return [f"{rel}: cannot be inspected ({exc})"]
    leaks = [f"{rel}!{name}: {why}" for name in members if (why := hidden_member(name))]
    engine = replace(search, solution_lines=search.solution_lines - ENGINE_LINES)
    for name, data in members.items():
        # The engine's own code names the solution marker; only copies and content count.
        leaks += engine.find(f"{rel}!{name}", data, course, markers=False)
    return leaks
