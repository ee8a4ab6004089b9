"""Tests for autograder.reporting.report: reports rendered from stored results only."""

import re

from autograder.grading.feedback import Mismatch
from autograder.grading.results import QuizItemResult, SubmissionResult, TestOutcome
from autograder.reporting.report import render_html, render_markdown
from autograder.reporting.report_view import (
    NO_WORK,
    failure_groups,
    md_block,
    md_text,
    report_context,
)

STUB = "Your code raised: NotImplementedError: {} is not implemented yet"


def _stored() -> dict:
    failure = Mismatch("conv_forward differs", case="A_prev (1, 3, 3, 1)", expected="[[1.]]",
                       got="[[2.]]", misconception="kernel-flipped", hint="Do not flip <W>.",
                       function="conv_forward")
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


def _stub_tests(function: str, exercise: str, cases: int, points: float) -> list[TestOutcome]:
    message = STUB.format(function)
    return [TestOutcome(f"{function} matches [case-{n}]", exercise, 0, points, "failed", message,
                        details={"message": message, "error": "raised"}) for n in range(cases)]


def _untouched() -> dict:
    tests = (_stub_tests("conv_forward", "convolution", 8, 1.5)
             + _stub_tests("zero_pad", "convolution", 2, 1.25)
             + _stub_tests("pool_forward", "pooling", 7, 1.5)
             + _stub_tests("conv_output_size", "shapes", 5, 0.8))
    quiz = [QuizItemResult(f"q{n}", 0, 1, "missing", None, "No answer was given.")
            for n in range(18)]
    return SubmissionResult("frank", tests=tests, quiz=quiz, no_work=True).to_gradescope_dict()


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

    def test_every_chip_is_explained_in_words(self):
        """A spotted mistake is named with a sentence saying what was done, not a bare code."""
        html = render_html(_stored())
        assert re.search(r'<span class="tag">kernel-flipped</span> You flipped the kernel', html)

    def test_no_jargon_in_the_footer(self):
        """The sandbox is described in plain words, never as 'isolation: full'."""
        for text in (render_html(_stored()), render_markdown(_stored())):
            assert "isolation:" not in text and "sealed sandbox" in text


class TestGrouping:
    def test_failures_collapse_to_one_entry_per_function_and_cause(self):
        """Eight NotImplementedError cases of one function are one entry saying so."""
        tests = _untouched()["tests"]
        groups = {g.function: g for g in failure_groups(tests, "convolution")}
        assert groups["conv_forward"].summary == (
            "failed 8 of 8 cases: NotImplementedError: not started yet")
        assert groups["conv_forward"].lost == 12

    def test_untouched_functions_share_one_table_cell(self):
        """Functions not started are named in the score table, not given a section each."""
        context = report_context(_untouched())
        convolution = context["exercises"][0]
        assert convolution["not_started"] == ["conv_forward", "zero_pad"]
        assert convolution["groups"] == []
        html = render_html(_untouched())
        assert '<td class="todo">conv_forward, zero_pad</td>' in html
        assert 'class="fail"' not in html

    def test_different_causes_of_one_function_stay_apart(self):
        """A crash and a wrong answer of the same function are two entries."""
        wrong = Mismatch("zero_pad is wrong", expected="1", got="2", function="zero_pad")
        tests = [
            TestOutcome("zero_pad pads [a]", "convolution", 0, 1, "failed", wrong.render(),
                        details=wrong.details()),
            *_stub_tests("zero_pad", "convolution", 1, 1),
        ]
        result = SubmissionResult("x", tests=tests).to_gradescope_dict()
        groups = failure_groups(result["tests"], "convolution")
        assert sorted(g.cause for g in groups) == [
            "NotImplementedError: not started yet", "wrong answers"]

    def test_a_broken_file_is_one_entry(self):
        """Every check failing because shapes.py does not load is one entry named after the file."""
        message = "Not found: shapes.py has a syntax error on line 3: invalid syntax"
        tests = [TestOutcome(f"{name} is right [{n}]", "shapes", 0, 1, "failed", message,
                             details={"message": message, "error": "missing"})
                 for name in ("conv_output_size", "flatten_size") for n in range(3)]
        [group] = failure_groups(SubmissionResult("x", tests=tests).to_gradescope_dict()["tests"],
                                 "shapes")
        assert group.function == "shapes.py" and group.summary.startswith("failed 6 of 6 cases")

    def test_cases_skipped_after_a_time_out_share_its_entry(self):
        """A time-out and the later cases it skipped are one entry for the function."""
        first = "Stopped: apply_filter did not finish within 10 s"
        later = ("Stopped: apply_filter was not run again: it did not finish within 10 s "
                 "on an earlier case")
        tests = [TestOutcome(f"apply_filter slides [{n}]", "convolution", 0, 1, "failed", text,
                             details={"message": text, "error": "timeout"})
                 for n, text in enumerate((first, later, later))]
        [group] = failure_groups(SubmissionResult("x", tests=tests).to_gradescope_dict()["tests"],
                                 "convolution")
        assert group.summary == f"failed 3 of 3 cases: {first}" and group.function == "apply_filter"

    def test_next_steps_are_the_fixes_worth_most_points_in_order(self):
        """'What to do next' lists at most three fixes, largest points first."""
        steps = report_context(_untouched())["next_steps"]
        assert len(steps) == 3
        assert steps[0].startswith("Answer the 18 quiz questions left blank (worth 18 points)")
        assert steps[1].startswith("Implement conv_forward (worth 12 points)")
        assert steps[2].startswith("Implement pool_forward (worth 10.5 points)")
        text = render_markdown(_untouched())
        assert text.index("What to do next") < text.index("| part |")

    def test_no_work_banner(self):
        """A result flagged no_work opens with the 'no work found' banner."""
        assert NO_WORK in render_html(_untouched())
        assert "No work found: did you upload the right files?" in render_markdown(_untouched())
        assert "No work found" not in render_html(_stored())

    def test_untouched_submission_report_is_short(self):
        """An untouched submission's Markdown report fits on one screen (under 30 lines)."""
        assert len(render_markdown(_untouched()).splitlines()) < 30

    def test_quiz_shows_question_answer_and_explanation(self):
        """Each quiz row holds the question's text, the student's answer and the feedback."""
        html = render_html(_stored())
        assert "How many trainable parameters does the layer have" in html
        assert "<td>156</td>" in html and "Expected 456" in html


    def test_a_chosen_letter_is_shown_with_its_option(self):
        """A letter answer is shown with the option's text, so the student sees what they chose."""
        item = QuizItemResult("conv_advantages", 0, 1, "incorrect", "a", "Incorrect.")
        html = render_html(SubmissionResult("x", quiz=[item]).to_gradescope_dict())
        assert "<td>a) It needs far fewer weights.</td>" in html


class TestMarkdownSafety:
    HOSTILE = ("boom\n```\n# Injected heading\n![x](https://evil.example/x.png)\n"
               "<img src=https://evil.example/y.png>\n````")

    def test_exception_text_cannot_close_its_code_fence(self):
        """Backtick runs in student text make the fence longer, so the block never closes early."""
        block = md_block(self.HOSTILE)
        fence = block.splitlines()[0].removesuffix("text")
        assert len(fence) == 5 and block.endswith("\n" + fence)
        inner = block.splitlines()[1:-1]
        assert not any(line.strip().startswith(fence) for line in inner)

    def test_inline_student_text_is_inert(self):
        """Headings, images, links and raw HTML in a one-line message are escaped."""
        text = md_text(self.HOSTILE)
        assert "\n" not in text and "![" not in text and "<img" not in text.replace(r"\<", "")
        assert r"\# Injected" in text and r"\[x\]" in text

    def test_a_hostile_result_renders_safely(self):
        """A crash message and an error from a student land inside their blocks in the report."""
        message = f"Your code raised: ValueError: {self.HOSTILE}"
        result = SubmissionResult(
            submission="mallory",
            tests=[TestOutcome("zero_pad pads", "convolution", 0, 1, "failed", message,
                               details={"message": message, "error": "raised"})],
            errors=[self.HOSTILE],
        ).to_gradescope_dict()
        text = render_markdown(result)
        outside = re.sub(r"(?ms)^(`{3,})text\n.*?^\1$", "", text)
        assert "# Injected" not in outside.replace(r"\# Injected", "")
        assert "![" not in outside and "<img" not in outside.replace(r"\<", "")
