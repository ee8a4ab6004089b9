"""The quiz's files: ``questions.toml`` for students, ``keys.toml`` for the grader.

Both are read and checked against each other before any answer is scored, so
a key that does not fit its question fails when the quiz loads, naming the id.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.course.paths import course
from autograder.quiz import answers as qa

KINDS: tuple[str, ...] = ("choice", "multi", "numeric", "shape")
FORMATS: dict[str, str] = {
    "choice": 'one letter, e.g. "b"',
    "multi": 'a list of letters, e.g. ["a", "c"] (the string "a,c" works too)',
    "numeric": 'a number, e.g. 1234 or 0.5 ("1,234" and 1.2e3 work too)',
    "shape": 'a shape written height x width x channels, e.g. "10x10x3"',
}
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_QUESTION_FIELDS = {"id", "kind", "points", "prompt", "options"}
_KEY_FIELDS = {"answer", "explanation", "equivalent", "tolerance", "partial", "note"}


@dataclass(frozen=True)
class Question:
    """One question as students see it."""

    id: str
    kind: str
    points: float
    prompt: str
    options: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AnswerKey:
    """The instructor's answer to one question."""

    id: str
    answer: Any
    explanation: str
    equivalent: list[Any] = field(default_factory=list)
    tolerance: float = 0.0
    partial: bool = False
    # A remark shown after the explanation, e.g. where a lecture got a figure wrong.
    note: str = ""

    @property
    def shown(self) -> str:
        """The explanation a student reads: the explanation, then the note."""
        return f"{self.explanation} {self.note}".strip()


@dataclass(frozen=True)
class Quiz:
    """Questions in order, with their keys by id."""

    questions: list[Question]
    keys: dict[str, AnswerKey]

    @property
    def max_score(self) -> float:
        return float(sum(q.points for q in self.questions))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: invalid TOML: {exc}") from exc


def load_questions(path: Path) -> list[Question]:
    """Read ``questions.toml`` (an array of ``[[question]]`` tables) in file order.

    Raises:
        ValueError: invalid TOML, or a question with a bad id, kind, points, prompt or options.
    """
    questions: list[Question] = []
    for n, raw in enumerate(_read_toml(path).get("question", []), start=1):
        qid = raw.get("id") if isinstance(raw, dict) else None
        where = f"{path}: question {qid!r}" if isinstance(qid, str) else f"{path}: question #{n}"
        if not isinstance(qid, str) or not _ID.match(qid):
            raise ValueError(f"{where}: id must be lower-case letters, digits and _")
        if unknown := set(raw) - _QUESTION_FIELDS:
            raise ValueError(f"{where}: unknown fields {sorted(unknown)}")
        kind, points, prompt = raw.get("kind"), raw.get("points"), raw.get("prompt")
        options = raw.get("options", {})
        if kind not in KINDS:
            raise ValueError(f"{where}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
        if isinstance(points, bool) or not isinstance(points, int | float) or points <= 0:
            raise ValueError(f"{where}: points must be a positive number")
        if not isinstance(prompt, str) or not prompt.strip():
            raise ValueError(f"{where}: prompt is missing")
        if not isinstance(options, dict) or not all(isinstance(v, str) for v in options.values()):
            raise ValueError(f"{where}: options must be a table of letter = text")
        if kind in ("choice", "multi") and (
            len(options) < 2 or not all(re.fullmatch(r"[a-z]", k) for k in options)
        ):
            raise ValueError(f"{where}: a {kind} question needs options a, b, ... (two or more)")
        if kind in ("numeric", "shape") and options:
            raise ValueError(f"{where}: a {kind} question takes no options")
        if any(q.id == qid for q in questions):
            raise ValueError(f"{where}: duplicate id")
        questions.append(Question(qid, kind, float(points), prompt.strip(), dict(options)))
    if not questions:
        raise ValueError(f"{path}: no [[question]] tables found")
    return questions


def load_keys(path: Path) -> dict[str, AnswerKey]:
    """Read ``keys.toml`` (one table per question id).

    Raises:
        ValueError: invalid TOML, or a key table without an answer or with unknown fields.
    """
    keys: dict[str, AnswerKey] = {}
    for qid, raw in _read_toml(path).items():
        where = f"{path}: key {qid!r}"
        if not isinstance(raw, dict) or "answer" not in raw:
            raise ValueError(f"{where}: must be a table with an answer")
        if unknown := set(raw) - _KEY_FIELDS:
            raise ValueError(f"{where}: unknown fields {sorted(unknown)}")
        explanation, equivalent = raw.get("explanation", ""), raw.get("equivalent", [])
        tolerance, partial = raw.get("tolerance", 0.0), raw.get("partial", False)
        note = raw.get("note", "")
        if not all(isinstance(t, str) for t in (explanation, note)) or not isinstance(
            equivalent, list
        ):
            raise ValueError(f"{where}: explanation and note must be text, equivalent a list")
        if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) or tolerance < 0:
            raise ValueError(f"{where}: tolerance must be a number >= 0")
        if not isinstance(partial, bool):
            raise ValueError(f"{where}: partial must be true or false")
        keys[qid] = AnswerKey(
            qid, raw["answer"], explanation.strip(), equivalent, float(tolerance), partial,
            " ".join(note.split()),
        )
    return keys


def load_quiz(questions_path: Path, keys_path: Path) -> Quiz:
    """Load questions and keys and check that they agree.

    Raises:
        ValueError: naming the id, when a question lacks a key or an explanation, a key
            has no question, or an answer does not fit its question's kind.
    """
    questions, keys = load_questions(questions_path), load_keys(keys_path)
    ids = {q.id for q in questions}
    if orphans := sorted(set(keys) - ids):
        raise ValueError(f"{keys_path}: keys for unknown question ids: {', '.join(orphans)}")
    for q in questions:
        key = keys.get(q.id)
        if key is None:
            raise ValueError(f"{keys_path}: question {q.id!r} has no answer key")
        if not key.explanation:
            raise ValueError(f"{keys_path}: question {q.id!r} has no explanation")
        if key.partial and q.kind != "multi":
            raise ValueError(f"{keys_path}: question {q.id!r}: partial is for multi questions")
        if key.tolerance and q.kind != "numeric":
            raise ValueError(f"{keys_path}: question {q.id!r}: tolerance is for numeric only")
        try:
            expected = qa.canonical(q, key.answer)
            for other in key.equivalent:
                qa.canonical(q, other)
        except qa.Malformed as exc:
            raise ValueError(f"{keys_path}: question {q.id!r}: bad answer: {exc}") from exc
        if q.kind == "choice" and len(expected) != 1:
            raise ValueError(f"{keys_path}: question {q.id!r}: a choice answer is one letter")
    return Quiz(questions, keys)


def course_quiz() -> Quiz:
    """The course's own quiz, from ``quizzes/`` under the course root."""
    layout = course()
    return load_quiz(layout.quiz_questions, layout.quiz_keys)
