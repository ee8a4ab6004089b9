"""Golden-file tests of the rendered reports; refresh with ``pytest --update-goldens``."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.grading.feedback import Mismatch
from autograder.grading.results import QuizItemResult, SubmissionResult, TestOutcome
from autograder.reporting.report import render_html, render_markdown

GOLDENS = Path(__file__).parents[1] / "goldens"


def _sample() -> dict:
    """A stored result exercising every part of a report."""
    flipped = Mismatch(
        "conv_forward gave a different result",
        case="conv_forward(<array of shape (1, 4, 4, 1)>, <array of shape (3, 3, 1, 1)>, [1.])",
        expected="array of shape (1, 2, 2, 1): [[[[ 4.] [-2.]] [[ 0.] [ 7.]]]]",
        got="array of shape (1, 2, 2, 1): [[[[ 1.] [ 3.]] [[-5.] [ 2.]]]]",
        misconception="kernel-flipped",
        hint="Multiply each window by the kernel as it is, with no flipping.",
        function="conv_forward",
    )
    layers = Mismatch(
        "build_mnist_cnn has a different architecture",
        diff=["layer 2: expected MaxPooling2D -> (13, 13, 64), got Conv2D -> (24, 24, 64)",
              "layer 7: expected activation softmax, got relu"],
    )
    return SubmissionResult(
        submission="golden",
        tests=[
            TestOutcome("conv_forward matches TensorFlow [valid-3x3]", "convolution", 0, 1.5,
                        "failed", flipped.render(), ["misconception:kernel-flipped"],
                        details=flipped.details()),
            TestOutcome("zero_pad pads [1]", "convolution", 1, 1, "passed"),
            TestOutcome("pool_forward matches [max-2x2]", "pooling", 1.5, 1.5, "passed"),
            TestOutcome("architecture of build_mnist_cnn", "model", 0, 4, "failed",
                        layers.render(), details=layers.details()),
            TestOutcome("apply_filter slides a kernel [5x5]", "convolution", 0, 1, "failed",
                        "Stopped: apply_filter did not finish within 10 s",
                        details={"message": "Stopped: apply_filter did not finish within 10 s",
                                 "error": "timeout", "student_output": "looping <forever>\n"}),
        ],
        quiz=[
            QuizItemResult("conv_params_32x32x3", 0, 2, "incorrect", "156",
                           "Expected 456. Each of the 6 filters has 5x5x3 weights and a bias.",
                           "Each of the 6 filters has 5x5x3 weights and a bias."),
            QuizItemResult("strided_output_shape", 1, 1, "correct", "14x14x12", "Correct."),
        ],
        errors=["params.py has a syntax error at line 3: invalid syntax"],
        warnings=["cell 4 was skipped: it is not valid Python"],
        execution_time=1.25,
    ).to_gradescope_dict()


def _untouched() -> dict:
    """A stored result of the untouched stubs: every function not started, no answers."""
    tests = []
    for exercise, function, cases, points in (
        ("convolution", "conv_forward", 8, 1.5), ("convolution", "zero_pad", 2, 1.25),
        ("pooling", "pool_forward", 7, 1.5), ("params", "conv2d_params", 4, 1),
        ("model", "build_mnist_cnn", 3, 2),
    ):
        message = f"Your code raised: NotImplementedError: {function} is not implemented yet"
        tests += [TestOutcome(f"{function} is right [{n}]", exercise, 0, points, "failed",
                              message, details={"message": message, "error": "raised"})
                  for n in range(cases)]
    quiz = [QuizItemResult(qid, 0, 2, "missing", None, "No answer was given.")
            for qid in ("conv_advantages", "dense_first_layer_weights", "conv_params_32x32x3")]
    return SubmissionResult("untouched", tests=tests, quiz=quiz, no_work=True).to_gradescope_dict()


SAMPLES = {"report": _sample, "report_untouched": _untouched}


@pytest.mark.parametrize(("name", "render"), [
    (f"{sample}.{ext}", render) for sample in SAMPLES
    for ext, render in (("md", render_markdown), ("html", render_html))
])
def test_report_matches_golden(name, render, update_goldens):
    """The rendered report equals its golden file byte for byte."""
    text = render(SAMPLES[name.rsplit(".", 1)[0]]())
    golden = GOLDENS / name
    if update_goldens:
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), "no golden file yet: run pytest --update-goldens"
    assert text == golden.read_text(encoding="utf-8"), f"{name} changed; review, then refresh"


def test_golden_report_shows_what_a_student_needs():
    """The report names the input, expected and got, the hint, the diff, output and quiz."""
    html = render_html(_sample())
    for needle in ("<th>Input</th>", "<th>Expected</th>", "<th>Got</th>", "kernel-flipped",
                   "no flipping",
                   "layer 7: expected activation softmax, got relu", "looping &lt;forever&gt;",
                   "Expected 456", "syntax error at line 3", "cell 4 was skipped"):
        assert needle in html, needle
