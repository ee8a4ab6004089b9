"""Tests for autograder.grading.points: rescoring stored results under a points policy."""

from pathlib import Path

import pytest

from autograder.grading.points import (
    PointsPolicy,
    declare_policy,
    load_policy,
    rescore,
    shown_parts,
    store_policy,
    stored_policy_path,
    validate,
)
from autograder.grading.results import QuizItemResult, SubmissionResult, TestOutcome


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


def _model_run() -> dict:
    """A perfect model exercise of 30 points over seven tests, as the graders give it."""
    points = [3, 3, 3, 6, 5, 5, 5]
    return SubmissionResult(
        submission="max",
        tests=[TestOutcome(f"test {i}", "model", p, p, "passed", id=f"model.t{i}")
               for i, p in enumerate(points)],
        quiz=[QuizItemResult("conv_advantages", 1, 1, "correct", "d", "Right.")],
    ).to_gradescope_dict()


class TestDeclarativePolicy:
    def test_empty_policy_restores_the_defaults(self):
        """After any policy, an empty one gives back the grader's original points exactly."""
        policy = PointsPolicy(exercises={"convolution": 7}, quiz={"conv_advantages": 5})
        changed = rescore(_stored(), policy)
        back = rescore(changed, PointsPolicy())
        assert back["score"] == _stored()["score"] and back["max_score"] == _stored()["max_score"]
        assert back["exercises"] == _stored()["exercises"]

    def test_policies_never_drift(self):
        """Model = 40 applied after other policies still gives a perfect model exactly 40."""
        data = _model_run()
        for total in (40, 13, 40, 7, 40):
            data = rescore(data, PointsPolicy(exercises={"model": total}))
        assert data["exercises"]["model"] == {"score": 40.0, "max_score": 40.0}
        assert data["score"] == 41.0

    def test_a_named_test_keeps_its_points_and_the_rest_share_the_total(self):
        """[tests] by stable id plus an exercise total: the exercise still sums to the total."""
        policy = PointsPolicy(exercises={"model": 40}, tests={"model.t3": 10})
        data = rescore(_model_run(), policy)
        by_id = {t["id"]: t["max_score"] for t in data["tests"]}
        assert by_id["model.t3"] == 10 and data["exercises"]["model"]["max_score"] == 40

    def test_named_tests_above_the_total_are_refused(self):
        """A declaration that cannot hold raises ValueError naming the exercise."""
        with pytest.raises(ValueError, match="model"):
            rescore(_model_run(), PointsPolicy(exercises={"model": 5}, tests={"model.t3": 10}))

    def test_unknown_names_are_errors_with_suggestions(self):
        """Typos in exercises, test ids and questions are listed with the closest real name."""
        policy = PointsPolicy(
            exercises={"modle": 40}, tests={"model.t33": 1, "test 2": 1}, quiz={"conv_advantage": 2}
        )
        problems = validate(policy, [_model_run()])
        assert problems == [
            "[exercises] 'modle' is not an exercise (did you mean 'model'?)",
            "[tests] 'model.t33' is not a test id (did you mean 'model.t3'?)",
            "[tests] 'test 2' is a test's label, which may be reworded; use its id 'model.t2'",
            "[quiz] 'conv_advantage' is not a quiz question (did you mean 'conv_advantages'?)",
        ]

    def test_shown_scores_add_up(self):
        """Thirds rounded for display still sum to the shown total."""
        parts, total = shown_parts([40 / 3, 40 / 3, 40 / 3, 0.5])
        assert total == 40.5 and round(sum(parts), 2) == total


class TestStoredPolicy:
    def test_report_stores_the_policy_and_later_runs_use_it(self, tmp_path: Path):
        """report --points stores the declaration; a plain report and a regrade keep it."""
        from autograder.course.paths import OutputLayout
        from autograder.reporting.regenerate import regenerate
        from autograder.reporting.store import write_result

        layout = OutputLayout(tmp_path)
        write_result(layout, _model_run())
        points = tmp_path.parent / "points-policy.toml"
        points.write_text("[exercises]\nmodel = 40\n")
        declare_policy(tmp_path, points, [_model_run()])
        regenerate(tmp_path)
        assert stored_policy_path(tmp_path).read_text() == "[exercises]\nmodel = 40\n"
        write_result(layout, _model_run())  # the same submission graded again
        regenerate(tmp_path)
        assert "max,41,41,0,0,0,0,40,1," in layout.gradebook.read_text()

    def test_a_typo_changes_nothing(self, tmp_path: Path):
        """A rejected policy is not stored, so the old one keeps applying."""
        points = tmp_path / "p.toml"
        points.write_text("[exercises]\nmodle = 40\n")
        with pytest.raises(ValueError, match="did you mean 'model'"):
            declare_policy(tmp_path, points, [_model_run()])
        assert not stored_policy_path(tmp_path).exists()

    def test_late_submission_graded_into_the_same_out_gets_the_policy(self, tmp_path, monkeypatch):
        """A submission graded after the policy was declared is scored under it."""
        from autograder.run import bulk

        store_policy(tmp_path / "out", "[exercises]\nmodel = 40\n")
        (tmp_path / "inbox" / "late").mkdir(parents=True)
        (tmp_path / "inbox" / "late" / "model.py").write_text("")
        late = {**_model_run(), "submission": "late"}  # as the graders return it: 30 points
        monkeypatch.setattr(bulk, "_stream", lambda *args: iter([late]))
        bulk.grade_paths([tmp_path / "inbox"], tmp_path / "out", workers=1)
        row = (tmp_path / "out" / "gradebook.csv").read_text().splitlines()[1]
        assert row.startswith("late,41,41,") and ",40,1," in row


def test_a_policy_that_cannot_hold_for_a_result_keeps_its_defaults():
    """At grading time an impossible policy leaves the result at default points, with a warning."""
    from autograder.grading.points import rescore_or_keep

    impossible = PointsPolicy(exercises={"model": 5}, tests={"model.t3": 10})
    kept = rescore_or_keep(_model_run(), impossible)
    assert kept["score"] == _model_run()["score"]
    assert any("points policy not applied" in w for w in kept["warnings"])


def test_quiz_total_scales_its_questions():
    """[exercises] quiz = 4 shares four points among the questions in proportion."""
    data = rescore(_stored(), PointsPolicy(exercises={"quiz": 4}))
    assert data["exercises"]["quiz"] == {"score": 3.0, "max_score": 4.0}


def test_a_quiz_id_under_tests_points_to_the_quiz_table():
    """'quiz.x' in [tests] is explained: quiz questions go under [quiz]."""
    problems = validate(PointsPolicy(tests={"quiz.conv_advantages": 2}), [_model_run()])
    assert problems == [
        "[tests] 'quiz.conv_advantages' is a quiz question; set it under [quiz] as "
        "conv_advantages = ..."
    ]
