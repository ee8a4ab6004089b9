"""The quiz: question and key files, answer parsing and normalisation, scoring, rendering.

Student answers are plain data (from ``answers.toml`` or a notebook's
``QUIZ_ANSWERS``). Every value is first converted into a canonical built-in form
(a set of letters, a float, a tuple of ints) and only that form is compared with
the key, so no object a student made is ever asked whether it is equal to
anything. Nothing a student writes raises: it scores as missing or malformed.

Multi questions with ``partial = true`` score
``points * max(0, right/len(answer) - wrong/len(other options))``.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.course.paths import course
from autograder.grading.results import QuizItemResult, QuizStatus
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


# ---------------------------------------------------------------- loading


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


def parse_answers_toml(text: str) -> tuple[dict[str, object], list[str]]:
    """Parse a student's ``answers.toml``; never raises.

    Returns:
        The answers by id and a list of error messages (empty when the text parsed).
    """
    if isinstance(text, bytes | bytearray):
        text = bytes(text).decode("utf-8", errors="replace")
    if not isinstance(text, str):
        return {}, ["answers.toml could not be read as text"]
    try:
        return tomllib.loads(text.removeprefix("\ufeff")), []
    except tomllib.TOMLDecodeError as exc:
        end = f"at the end of the file, line {text.count(chr(10)) + 1}"
        return {}, [
            f"answers.toml is not valid TOML: {str(exc).replace('at end of document', end)}. "
            "Every answer is one line "
            'id = value, e.g. conv_advantages = "b"; letters and shapes need double quotes. '
            "No quiz answer was read, so every question counts as unanswered."
        ]


# ---------------------------------------------------------------- scoring


def score_quiz(
    quiz: Quiz, answers: Mapping[str, object] | None
) -> tuple[list[QuizItemResult], list[str]]:
    """Score every question, in question order; never raises on any student value.

    Returns:
        One result per question, and warnings about answers that match no question.
    """
    warnings: list[str] = []
    if answers is None:
        answers = {}
    elif not isinstance(answers, Mapping):
        warnings.append(f"quiz answers must be a table of id = value, not {qa.kind_of(answers)}")
        answers = {}
    ids = [q.id for q in quiz.questions]
    for name in list(answers):
        if not isinstance(name, str):
            warnings.append(f"ignored a quiz answer whose id is {qa.kind_of(name)}")
        elif name not in ids:
            close = difflib.get_close_matches(name, ids, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            warnings.append(f"ignored the answer to {qa.display(name)!r}: no such question{hint}")
    results = []
    for q in quiz.questions:
        value = answers.get(q.id) if q.id in answers else None
        try:
            results.append(_score_one(q, quiz.keys[q.id], value))
        except Exception as exc:  # a last guard: an odd value costs this question only
            results.append(
                _result(
                    q,
                    quiz.keys[q.id],
                    0.0,
                    "malformed",
                    value,
                    f"Could not read this answer ({type(exc).__name__}).",
                )
            )
    return results, warnings


def _score_one(q: Question, key: AnswerKey, value: object) -> QuizItemResult:
    expected = qa.canonical(q, key.answer)
    accepted = [expected, *(qa.canonical(q, other) for other in key.equivalent)]
    if qa.is_blank(value):
        return _result(q, key, 0.0, "missing", None, "No answer was given.")
    try:
        got = qa.canonical(q, value)
        dropped = q.kind == "shape" and qa.shape(value)[1]
    except qa.Malformed as exc:
        return _result(
            q,
            key,
            0.0,
            "malformed",
            value,
            f"Could not read this answer: {exc}. Expected {FORMATS[q.kind]}.",
        )
    note = " (The leading None, the batch size, was ignored.)" if dropped else ""
    if q.kind == "numeric":
        # The tolerance belongs to the answer; an equivalent (a rounded figure) is exact.
        ok = any(abs(got - a) <= (key.tolerance if a == expected else 0.0)
                 + 1e-9 * max(1.0, abs(a)) for a in accepted)
    else:
        ok = got in accepted
    if ok:
        return _result(q, key, q.points, "correct", value, "Correct." + note)
    shown = f"You answered {qa.show(q.kind, got)}."
    if q.kind == "choice" and len(got) > 1:
        shown += " This question takes a single letter."
    if q.kind == "shape" and len(got) != len(expected):
        shown += f" The answer has {len(expected)} dimensions: height x width x channels."
    if q.kind == "multi" and key.partial:
        right, wrong = len(got & expected), len(got - expected)
        others = max(1, len(q.options) - len(expected))
        fraction = max(0.0, right / len(expected) - wrong / others)
        if fraction > 0:
            return _result(
                q,
                key,
                round(q.points * fraction, 4),
                "partial",
                value,
                f"Partly correct: {right} of {len(expected)} right letters chosen, "
                f"{wrong} wrong. {shown}",
            )
    return _result(q, key, 0.0, "incorrect", value, "Incorrect. " + shown + note)


def _result(
    q: Question, key: AnswerKey, score: float, status: QuizStatus, value: object, lead: str
) -> QuizItemResult:
    expected = qa.show(q.kind, qa.canonical(q, key.answer))
    if key.tolerance:
        expected += f" (± {key.tolerance:g})"
    middle = "" if status == "correct" else f" The expected answer is {expected}."
    return QuizItemResult(
        id=q.id,
        score=float(score),
        max_score=q.points,
        status=status,
        answer=None if status == "missing" else qa.display(value),
        feedback=f"{lead}{middle} {key.shown}",
        explanation=key.shown,
    )
