"""Quiz answers checked for form only: can the grader read each one, and how.

The answer keys never ship to students, so this can only say whether an
answer is readable for its question's kind (and how it was read), which is
what costs students points when they get it wrong. It uses the grader's own
reading (``autograder.quiz.answers``), so what passes here is read the same
way at grading.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path

from autograder.course.paths import course
from autograder.quiz import answers as qa
from autograder.quiz.files import FORMATS, Question, load_questions
from autograder.student.display import AnswerRow, AnswersView


def find_questions(start: Path) -> list[Question] | None:
    """The quiz questions of the student bundle holding ``start`` (or of the course)."""
    folder = start.resolve()
    candidates = []
    for place in (folder, *list(folder.parents)[:3]):
        candidates += [place / "quizzes" / "questions.toml", place / "questions.toml"]
    candidates.append(course().quiz_questions)
    for path in candidates:
        if path.is_file():
            try:
                return load_questions(path)
            except (OSError, ValueError):
                continue
    return None


def answer_forms(answers: object, questions: list[Question]) -> AnswersView:
    """One row per question saying whether its answer can be read; errors for unknown ids."""
    if not isinstance(answers, Mapping):
        return AnswersView([], [f"QUIZ_ANSWERS must be a dict, not {qa.kind_of(answers)}"])
    ids = [q.id for q in questions]
    errors = []
    for name in answers:
        if name not in ids:
            close = difflib.get_close_matches(str(name), ids, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            errors.append(f"{qa.display(name)!r} matches no question{hint}")
    forms = {q.kind: FORMATS[q.kind] for q in questions}
    return AnswersView([_form(q, answers.get(q.id)) for q in questions], errors, forms)


def _form(question: Question, value: object) -> AnswerRow:
    accepted = FORMATS[question.kind]
    if qa.is_blank(value):
        return AnswerRow(question.id, "blank", "no answer yet")
    try:
        read = qa.canonical(question, value)
    except qa.Malformed as exc:
        return AnswerRow(question.id, "unreadable",
                         f"{qa.display(value)} cannot be read: {exc} (expected: {accepted})")
    except Exception:  # a last guard: an odd value is reported, never raised
        return AnswerRow(question.id, "unreadable", f"cannot be read (expected: {accepted})")
    return AnswerRow(question.id, "ok", f"read as {qa.show(question.kind, read)}")
