"""A submission's journey, in order: load → isolate → run graders → score → result.

This module is the one place that lists the steps. Each step lives in its own
module; writing files and rendering reports happen afterwards, from the
serialized result (see ``autograder.reporting.store``).
"""

from __future__ import annotations

import time
from pathlib import Path

from autograder.grading.misconceptions import confirm_diagnoses
from autograder.grading.plugin import run_graders
from autograder.grading.results import SubmissionResult
from autograder.grading.worker import GraderWorker
from autograder.load.dropped import explain_dropped_names
from autograder.load.submission import Submission, load_submission
from autograder.quiz.scoring import score_quiz


def grade_submission(path: Path, worker: GraderWorker) -> SubmissionResult:
    """Grade one submission (a directory, a .zip or an .ipynb) with a warm worker."""
    started = time.monotonic()
    result = grade_loaded(load_submission(path), worker)  # 1. load, never running student code
    result.execution_time = time.monotonic() - started
    return result


def grade_loaded(submission: Submission, worker: GraderWorker) -> SubmissionResult:
    """Grade a submission that is already loaded into memory (how remote workers get it)."""
    started = time.monotonic()
    result = SubmissionResult(
        submission=submission.id,
        errors=list(submission.errors),
        warnings=list(submission.warnings),
    )
    with worker.isolate(submission) as proxy:  # 2. isolate in a sandboxed child
        outcomes, grader_errors = run_graders(proxy, submission.id, worker.state)  # 3. graders
        result.isolation = proxy.isolation
    result.tests = confirm_diagnoses(outcomes)  # a hint must explain every failing case
    result.errors += grader_errors
    result.no_work = submission.no_work
    explain_dropped_names(result.tests, submission.dropped)
    result.quiz, quiz_warnings = score_quiz(worker.quiz, submission.answers)  # 4. quiz
    result.warnings += quiz_warnings
    result.execution_time = time.monotonic() - started
    return result
