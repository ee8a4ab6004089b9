"""How a failed check becomes feedback: the outcome's text, details and misconception tag.

Shared by the hidden graders' pytest plugin and the public tests' quick runner,
and free of pytest, so a student's check never pays for importing it.
"""

from __future__ import annotations

import traceback

from autograder.grading.feedback import Mismatch
from autograder.grading.results import TestOutcome
from autograder.sandbox.proxy import StudentError


def describe_failure(outcome: TestOutcome, exc: BaseException) -> None:
    """Fill a failed outcome's ``output``, ``details`` and misconception tag from ``exc``."""
    if isinstance(exc, Mismatch):
        outcome.output = exc.render()
        outcome.details = exc.details()
        if exc.misconception:
            outcome.tags.append(f"misconception:{exc.misconception}")
    elif isinstance(exc, StudentError):
        outcome.output = _student_error_text(exc)
        outcome.details = {"message": outcome.output, "error": exc.kind}
        if exc.output:
            outcome.details["student_output"] = exc.output
    elif isinstance(exc, AssertionError):
        outcome.output = str(exc) or "The answer did not match the expected result."
        outcome.details = {"message": outcome.output}
    else:
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
        outcome.output = f"The grader could not check this answer ({last})."
        outcome.details = {"message": outcome.output, "error": "grader"}


def _student_error_text(exc: StudentError) -> str:
    lead = {
        "raised": "Your code raised",
        "missing": "Not found",
        "timeout": "Stopped",
        "crashed": "Your code crashed",
        "bad-return": "Unusable return value",
    }.get(exc.kind, "Error")
    return f"{lead}: {exc.message}"
