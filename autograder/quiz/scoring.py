"""Scoring a student's quiz answers against the key, with feedback for every question.

Student answers are plain data (from ``answers.toml`` or a notebook's
``QUIZ_ANSWERS``). Each is first put in canonical form by
:mod:`autograder.quiz.answers` and only that form is compared with the key, so
no object a student made is ever asked whether it is equal to anything.
Nothing a student writes raises: it scores as missing or malformed.

Multi questions with ``partial = true`` score
``points * max(0, right/len(answer) - wrong/len(other options))``.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from autograder.grading.results import QuizItemResult, QuizStatus
from autograder.quiz import answers as qa
from autograder.quiz.files import FORMATS, AnswerKey, Question, Quiz


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
