"""Tests for autograder.points: rescoring stored results under a points policy."""

from pathlib import Path

import pytest

from autograder.points import PointsPolicy, load_policy, rescore
from autograder.results import QuizItemResult, SubmissionResult, TestOutcome


def _stored() -> dict:
    return SubmissionResult(
        submission="dave",
        tests=[
            TestOutcome("zero_pad pads", "convolution", 2, 2, "passed"),
            TestOutcome("conv_forward agrees", "convolution", 0, 8, "failed", "wrong"),
            TestOutcome("pool_forward agrees", "pooling", 5, 5, "passed"),
        ],
        quiz=[
            QuizItemResult("conv_advantages", 1, 1, "correct", "d", "Right."),
            QuizItemResult("strided_output_shape", 0.5, 1, "partial", "14x14", "Half."),
        ],
    ).to_gradescope_dict()


class TestRescore:
    def test_exercise_total_scales_its_tests_in_proportion(self):
        """Setting an exercise total scales each of its tests and keeps earned fractions."""
        data = rescore(_stored(), PointsPolicy(exercises={"convolution": 20}))
        assert data["exercises"]["convolution"] == {"score": 4.0, "max_score": 20.0}
        assert data["exercises"]["pooling"] == {"score": 5.0, "max_score": 5.0}
        assert data["score"] == 4 + 5 + 1.5

    def test_test_and_quiz_points_override(self):
        """Per-test and per-question points replace the stored ones."""
        policy = PointsPolicy(tests={"pool_forward agrees": 1}, quiz={"strided_output_shape": 4})
        data = rescore(_stored(), policy)
        assert data["exercises"]["pooling"]["max_score"] == 1
        assert data["quiz"]["strided_output_shape"]["score"] == 2.0
        assert data["max_score"] == 10 + 1 + 1 + 4

    def test_rescoring_is_repeatable_and_reversible(self):
        """Rescoring twice equals once, and rescoring back restores the original totals."""
        once = rescore(_stored(), PointsPolicy(exercises={"convolution": 20}))
        assert rescore(once, PointsPolicy(exercises={"convolution": 20})) == once
        back = rescore(once, PointsPolicy(exercises={"convolution": 10}))
        assert back["score"] == _stored()["score"]

    def test_original_is_not_modified(self):
        """The caller's dictionary is left as it was."""
        data = _stored()
        rescore(data, PointsPolicy(exercises={"convolution": 1}))
        assert data == _stored()


class TestLoadPolicy:
    def test_reads_all_three_tables(self, tmp_path: Path):
        """A points file fills exercises, tests and quiz."""
        path = tmp_path / "points.toml"
        path.write_text('[exercises]\nmodel = 40\n[tests]\n"a b" = 2\n[quiz]\nq = 3\n')
        assert load_policy(path) == PointsPolicy({"model": 40.0}, {"a b": 2.0}, {"q": 3.0})

    @pytest.mark.parametrize(
        "text", ["[exercises]\nmodel = -1\n", "[bonus]\nx = 1\n", "[quiz]\nq = true\n", "q ="]
    )
    def test_bad_files_are_rejected_with_a_message(self, tmp_path: Path, text: str):
        """Negative points, unknown tables, booleans and bad TOML raise ValueError."""
        path = tmp_path / "points.toml"
        path.write_text(text)
        with pytest.raises(ValueError, match=r"points\.toml"):
            load_policy(path)
