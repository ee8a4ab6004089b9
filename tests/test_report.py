"""Tests for autograder.report: reports rendered from stored results only."""

from autograder.feedback import Mismatch
from autograder.report import render_html, render_markdown
from autograder.results import QuizItemResult, SubmissionResult, TestOutcome


def _stored() -> dict:
    failure = Mismatch("conv_forward differs", case="A_prev (1, 3, 3, 1)", expected="[[1.]]",
                       got="[[2.]]", misconception="kernel-flipped", hint="Do not flip <W>.")
    return SubmissionResult(
        submission="carol",
        tests=[
            TestOutcome("conv_forward agrees", "convolution", 0, 4, "failed", failure.render(),
                        ["misconception:kernel-flipped"], details=failure.details()),
            TestOutcome("pool_forward agrees", "pooling", 3, 3, "passed"),
        ],
        quiz=[QuizItemResult("conv_params_32x32x3", 0, 1, "incorrect", "156",
                             "Expected 456: 6 filters of 5x5x3 plus 6 biases.")],
        errors=["model.py is missing"],
    ).to_gradescope_dict()


class TestReports:
    def test_markdown_shows_scores_failures_hints_and_quiz(self):
        """The Markdown report has totals, the failing case, the hint and quiz feedback."""
        text = render_markdown(_stored())
        assert "**Score: 3 / 8**" in text
        assert "| convolution | 0 / 4 | 0 / 1 |" in text
        assert "Expected: [[1.]]" in text and "Got: [[2.]]" in text
        assert "kernel-flipped" in text and "Do not flip <W>." in text
        assert "Expected 456" in text
        assert "model.py is missing" in text

    def test_html_is_self_contained_and_escaped(self):
        """The HTML report loads nothing from outside and escapes student-facing text."""
        html = render_html(_stored())
        assert "<script" not in html and "http" not in html.replace("http-equiv", "")
        assert "Do not flip &lt;W&gt;." in html
        assert "3 / 8" in html and "kernel-flipped" in html

    def test_rendering_is_deterministic(self):
        """The same stored result renders to the same text."""
        assert render_html(_stored()) == render_html(_stored())

    def test_diagnosed_and_short_failures_come_first(self):
        """Within an exercise the diagnosed failure leads, then the shortest case."""
        result = SubmissionResult(
            submission="dan",
            tests=[
                TestOutcome("long case", "convolution", 0, 1, "failed", "x" * 500),
                TestOutcome("short case", "convolution", 0, 1, "failed", "x" * 20),
                TestOutcome("diagnosed case", "convolution", 0, 1, "failed", "y" * 900,
                            ["misconception:missing-bias"]),
            ],
        ).to_gradescope_dict()
        text = render_markdown(result)
        positions = [text.index(f"### {name}") for name in
                     ("diagnosed case", "short case", "long case")]
        assert positions == sorted(positions)
