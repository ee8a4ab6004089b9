"""Tests for autograder.grading.results: totals and the Gradescope form."""

from autograder.grading.results import QuizItemResult, SubmissionResult, TestOutcome


def _result() -> SubmissionResult:
    return SubmissionResult(
        submission="alice",
        tests=[
            TestOutcome("conv ok", "convolution", 2, 2, "passed"),
            TestOutcome("conv bad", "convolution", 0, 3, "failed", "wrong",
                        ["misconception:kernel-flipped"]),
            TestOutcome("pool ok", "pooling", 1.5, 1.5, "passed"),
        ],
        quiz=[QuizItemResult("q1", 1, 1, "correct", "d", "Correct."),
              QuizItemResult("q2", 0, 2, "missing", None, "No answer.")],
        errors=["shapes.py is missing"],
        execution_time=1.23456,
    )


class TestSubmissionResult:
    def test_totals_add_tests_and_quiz(self):
        """score and max_score add every test and quiz question."""
        result = _result()
        assert (result.score, result.max_score) == (4.5, 9.5)

    def test_exercise_scores_in_course_order_with_quiz_last(self):
        """Exercise totals follow the course order and the quiz comes last."""
        assert _result().exercise_scores() == {
            "convolution": {"score": 2.0, "max_score": 5.0},
            "pooling": {"score": 1.5, "max_score": 1.5},
            "quiz": {"score": 1.0, "max_score": 3.0},
        }

    def test_gradescope_keys(self):
        """The serialized form has Gradescope's keys plus convgrade's own."""
        data = _result().to_gradescope_dict()
        for key in ("score", "max_score", "execution_time", "output", "tests",
                    "submission", "exercises", "quiz", "errors"):
            assert key in data
        for test in data["tests"]:
            assert {"name", "score", "max_score", "status", "output", "visibility",
                    "tags"} <= set(test)
        assert data["tests"][1]["tags"] == ["misconception:kernel-flipped"]
        assert data["quiz"]["q2"]["status"] == "missing"
        assert data["execution_time"] == 1.235

    def test_round_trip(self):
        """from_dict inverts to_gradescope_dict."""
        original = _result()
        again = SubmissionResult.from_dict(original.to_gradescope_dict())
        assert again.to_gradescope_dict() == original.to_gradescope_dict()

    def test_misconceptions_read_from_tags(self):
        """A test's misconceptions are the codes of its misconception tags."""
        assert _result().tests[1].misconceptions == ["kernel-flipped"]
