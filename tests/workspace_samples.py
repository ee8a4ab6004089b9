"""A small graded class for the TA workspace tests: stored results and kept sources."""

from __future__ import annotations

from pathlib import Path

from autograder.course.paths import OutputLayout
from autograder.grading.results import QuizItemResult, SubmissionResult, TestOutcome
from autograder.reporting.store import write_result

CONV_OK = '''import numpy as np


def zero_pad(X, pad):
    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
'''


def sample_result(sid: str, *, flipped: bool = False) -> dict:
    """A result with two convolution tests (one failing if ``flipped``) and one quiz question."""
    tests = [
        TestOutcome(name="zero_pad pads height and width", exercise="convolution", score=2,
                    max_score=2, status="passed", id="convolution.zero_pad[basic]"),
        TestOutcome(
            name="conv_forward matches TensorFlow", exercise="convolution",
            score=0 if flipped else 4, max_score=4,
            status="failed" if flipped else "passed",
            output="Wrong values. The kernel looks flipped." if flipped else "",
            tags=["misconception:kernel-flipped"] if flipped else [],
            id="convolution.conv_forward[random]",
        ),
    ]
    quiz = [QuizItemResult(id="conv_params_32x32x3", score=2, max_score=2, status="correct",
                           answer="456", feedback="Correct.")]
    return SubmissionResult(submission=sid, tests=tests, quiz=quiz).to_gradescope_dict()


def graded_class(out: Path, ids: dict[str, bool]) -> OutputLayout:
    """Write a result (flipped or not) and a kept source for each id."""
    layout = OutputLayout(out)
    layout.ensure()
    for sid, flipped in ids.items():
        write_result(layout, sample_result(sid, flipped=flipped))
        folder = out / "sources" / sid
        folder.mkdir(parents=True)
        (folder / "convolution.py").write_text(CONV_OK, encoding="utf-8")
    return layout
