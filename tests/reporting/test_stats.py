"""Tests for autograder/reporting/stats.py and stats_render.py."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import matplotlib.image
import pytest

from autograder.course.paths import OutputLayout
from autograder.grading.results import QuizItemResult, SubmissionResult, TestOutcome
from autograder.reporting.stats import ClassStats, compute_stats, split_test_name
from autograder.reporting.stats_render import (
    EXERCISE_CHART,
    HISTOGRAM,
    STATS_JSON,
    SUMMARY_HTML,
    write_class_stats,
    write_stats,
)
from autograder.reporting.store import write_result

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _test(name: str, exercise: str, passed: bool, points: float = 1.0, **kw: Any) -> TestOutcome:
    return TestOutcome(
        name=name,
        exercise=exercise,
        score=points if passed else 0.0,
        max_score=points,
        status="passed" if passed else "failed",
        **kw,
    )


def _quiz(qid: str, answer: str | None, correct: bool) -> QuizItemResult:
    return QuizItemResult(
        id=qid,
        score=1.0 if correct else 0.0,
        max_score=1.0,
        status="correct" if correct else ("incorrect" if answer is not None else "missing"),
        answer=answer,
        feedback="",
    )


def _class() -> list[dict[str, Any]]:
    """Six submissions of rising ability; s5 is the strongest."""
    results = []
    for i in range(6):
        tests = [
            _test("easy", "convolution", True),
            _test("output shape [valid]", "convolution", True),
            _test("output shape [same]", "convolution", i >= 2),
            _test(
                "values",
                "convolution",
                i >= 4,  # only the two strongest pass
                tags=[] if i >= 4 else ["misconception:kernel-flipped"],
            ),
            _test(
                "average mode",
                "pooling",
                i >= 1,
                points=2.0,
                tags=[] if i >= 1 else ["misconception:pool-mode-swapped"],
            ),
            _test("reversed", "pooling", i < 3),  # passed by the weakest only
        ]
        if i == 0:
            tests[1] = _test(
                "output shape [valid]", "convolution", False, tags=["misconception:kernel-flipped"]
            )
        quiz = [
            _quiz("conv_params_32x32x3", "456" if i >= 3 else ("156" if i < 2 else "450"), i >= 3),
            _quiz("strided_output_shape", "14x14x12" if i else None, i > 0),
        ]
        results.append(
            SubmissionResult(submission=f"s{i}", tests=tests, quiz=quiz).to_gradescope_dict()
        )
    return results


def _by_name(stats: ClassStats) -> dict[str, Any]:
    return {t.name: t for t in stats.tests}


def test_counts_and_score_summary() -> None:
    """n and the percent summary match a direct computation from the results."""
    results = _class()
    stats = compute_stats(results)
    percents = sorted(100 * r["score"] / r["max_score"] for r in results)
    assert stats.n == 6
    assert stats.scores is not None
    assert stats.scores.min == pytest.approx(percents[0], abs=1e-3)
    assert stats.scores.max == pytest.approx(percents[-1], abs=1e-3)
    assert stats.scores.mean == pytest.approx(sum(percents) / 6, abs=1e-3)
    assert stats.scores.median == pytest.approx((percents[2] + percents[3]) / 2, abs=1e-3)
    assert stats.scores.stdev is not None and stats.scores.stdev > 0


def test_pass_rates_per_test() -> None:
    """Each test's pass rate is the share of submissions that passed it."""
    tests = _by_name(compute_stats(_class()))
    assert tests["easy"].pass_rate == 1.0
    assert tests["values"].pass_rate == pytest.approx(2 / 6, abs=1e-4)
    assert tests["average mode"].pass_rate == pytest.approx(5 / 6, abs=1e-4)
    assert tests["values"].attempts == 6


def test_parametrized_tests_pooled_by_base_name() -> None:
    """Cases of one parametrized test are also counted together under the base name."""
    groups = {g.name: g for g in compute_stats(_class()).test_groups}
    assert set(groups) == {"output shape"}
    shape = groups["output shape"]
    assert (shape.cases, shape.attempts) == (2, 12)
    assert shape.passed == 5 + 4
    assert shape.all_cases_rate == pytest.approx(4 / 6, abs=1e-4)


def _reworded_class(reword: bool) -> list[dict[str, Any]]:
    """Three submissions of one parametrized test; with ``reword``, s2 was graded after its
    docstring changed (same ids, new labels)."""
    results = []
    for i in range(3):
        label = "the output has the right shape" if reword and i == 2 else "output shape"
        tests = [
            _test(f"{label} [{case}]", "convolution", i >= k, id=f"convolution.shape[{case}]",
                  tags=[] if i >= k else ["misconception:off-by-one"])
            for k, case in enumerate(("valid", "same"))
        ]
        results.append(SubmissionResult(submission=f"s{i}", tests=tests).to_gradescope_dict())
    return results


def test_a_reworded_docstring_does_not_split_a_test() -> None:
    """Tests are counted by stable id: results under an old and a new label make one row."""
    before, after = compute_stats(_reworded_class(False)), compute_stats(_reworded_class(True))
    assert after.to_dict() == before.to_dict()
    assert [(t.name, t.attempts) for t in after.tests] == [
        ("output shape [valid]", 3), ("output shape [same]", 3)]
    assert [(g.name, g.cases, g.attempts) for g in after.test_groups] == [("output shape", 2, 6)]
    assert after.misconceptions[0].tests == {"output shape [same]": 1}


def test_split_test_name() -> None:
    """A bracketed parametrization id splits off the base name; plain names stay whole."""
    assert split_test_name("output shape [same-2]") == ("output shape", "same-2")
    assert split_test_name("plain name") == ("plain name", None)


def test_discrimination_sign() -> None:
    """A test only strong submissions pass discriminates positively, the reverse negatively."""
    tests = _by_name(compute_stats(_class()))
    assert tests["values"].discrimination is not None and tests["values"].discrimination > 0
    assert tests["reversed"].discrimination is not None and tests["reversed"].discrimination < 0


def test_discrimination_undefined() -> None:
    """Discrimination is None for an item everyone passes and for a class under three."""
    stats = compute_stats(_class())
    assert _by_name(stats)["easy"].discrimination is None
    small = compute_stats(_class()[:2])
    assert all(t.discrimination is None for t in small.tests)
    assert all(q.discrimination is None for q in small.quiz)


def test_quiz_rates_and_wrong_answers() -> None:
    """Quiz questions report the correct rate and the most common wrong answers first."""
    quiz = {q.id: q for q in compute_stats(_class()).quiz}
    params = quiz["conv_params_32x32x3"]
    assert params.correct_rate == 0.5
    assert params.wrong_answers[0] == ("156", 2)
    assert [a for a, _ in params.wrong_answers] == ["156", "450"]
    assert params.discrimination is not None and params.discrimination > 0
    strided = quiz["strided_output_shape"]
    assert strided.statuses == {"correct": 5, "missing": 1}
    assert strided.wrong_answers == []  # a missing answer is not a wrong answer


def test_misconception_frequencies() -> None:
    """Each code counts submissions once and lists the tests that diagnosed it."""
    found = {m.code: m for m in compute_stats(_class()).misconceptions}
    flipped = found["kernel-flipped"]
    assert flipped.submissions == 4  # s0 shows it in two tests but counts once
    assert flipped.tests == {"values": 4, "output shape [valid]": 1}
    assert found["pool-mode-swapped"].submissions == 1
    codes = [m.code for m in compute_stats(_class()).misconceptions]
    assert codes == ["kernel-flipped", "pool-mode-swapped"]  # most frequent first


def test_misconceptions_name_the_students_who_made_them() -> None:
    """Each code lists the submissions that made it, in order."""
    found = {m.code: m for m in compute_stats(_class()).misconceptions}
    assert found["kernel-flipped"].students == ["s0", "s1", "s2", "s3"]
    assert found["pool-mode-swapped"].students == ["s0"]
    html = _summary_html(_class())
    assert "s0, s1, s2, s3" in html


def _summary_html(results: list[dict[str, Any]]) -> str:
    from autograder.reporting.stats_render import render_summary_html

    return render_summary_html(compute_stats(results))


def _untouched(sid: str, *, no_work: bool) -> dict[str, Any]:
    stub = "Your code raised: NotImplementedError: conv_forward is not implemented yet"
    names = (("easy", "convolution"), ("output shape [valid]", "convolution"),
             ("output shape [same]", "convolution"), ("values", "convolution"),
             ("average mode", "pooling"), ("reversed", "pooling"))
    tests = [_test(name, exercise, False, output=stub, details={"error": "raised"})
             for name, exercise in names]
    quiz = [_quiz("conv_params_32x32x3", None, False), _quiz("strided_output_shape", None, False)]
    return SubmissionResult(submission=sid, tests=tests, quiz=quiz,
                            no_work=no_work).to_gradescope_dict()


def test_non_attempts_are_left_out_of_item_statistics() -> None:
    """Untouched stubs and no-work submissions change no pass rate; they are counted apart."""
    before = compute_stats(_class())
    after = compute_stats([*_class(), _untouched("t1", no_work=True),
                           _untouched("t2", no_work=False)])
    for old, new in zip(before.tests, after.tests, strict=True):
        assert (new.attempts, new.pass_rate, new.discrimination) == (
            old.attempts, old.pass_rate, old.discrimination)
        assert new.not_attempted == 2
    for old, new in zip(before.quiz, after.quiz, strict=True):
        assert new.correct_rate == old.correct_rate
    strided = {q.id: q for q in after.quiz}["strided_output_shape"]
    assert (strided.attempts, strided.not_attempted) == (5, 3)
    assert after.no_work == ["t1"] and after.n == 8
    assert [g.pass_rate for g in after.test_groups] == [g.pass_rate for g in before.test_groups]


def test_an_item_nobody_attempted_has_no_rate() -> None:
    """With no attempts at all, rates are None (shown as n/a), never a division by zero."""
    stats = compute_stats([_untouched("t1", no_work=True)])
    assert all(t.pass_rate is None and t.attempts == 0 for t in stats.tests)
    assert all(q.correct_rate is None and q.mean_fraction is None for q in stats.quiz)
    assert "n/a" in _summary_html([_untouched("t1", no_work=True)])


def test_unreadable_answers_are_among_the_common_wrong_answers() -> None:
    """A malformed answer is listed with the wrong answers, marked unreadable."""
    results = _class()
    bad = QuizItemResult("conv_params_32x32x3", 0.0, 1.0, "malformed", "four hundred", "")
    for sid in ("m1", "m2", "m3"):
        results.append(SubmissionResult(submission=sid, quiz=[bad]).to_gradescope_dict())
    quiz = {q.id: q for q in compute_stats(results).quiz}
    assert quiz["conv_params_32x32x3"].wrong_answers[0] == ("four hundred (unreadable)", 3)


def test_errors_and_timeouts() -> None:
    """Submissions with errors and with timeouts (details or message text) are counted."""
    results = _class()
    timed = _test(
        "values",
        "convolution",
        False,
        output="Stopped: too slow",
        details={"message": "Stopped: too slow", "error": "timeout"},
    )
    crashed = _test("values", "convolution", False, details={"error": "crashed"})
    results.append(SubmissionResult(submission="t1", tests=[timed]).to_gradescope_dict())
    results.append(SubmissionResult(submission="t2", tests=[crashed]).to_gradescope_dict())
    results.append(
        SubmissionResult(
            submission="t3", errors=["the submission ran past its 60 s time limit"]
        ).to_gradescope_dict()
    )
    results.append(SubmissionResult(submission="t4", errors=["no files"]).to_gradescope_dict())
    errors = compute_stats(results).errors
    assert errors.timeouts == ["t1", "t3"]
    assert errors.with_errors == ["t3", "t4"]
    assert errors.kinds == {"crashed": 1, "timeout": 2}


def test_exercise_means() -> None:
    """Per-exercise means are mean percents, in course order with the quiz last."""
    exercises = compute_stats(_class()).exercises
    assert list(exercises) == ["convolution", "pooling", "quiz"]
    expected_pooling = sum(100 * (2 * (i >= 1) + (i < 3)) / 3 for i in range(6)) / 6
    assert exercises["pooling"] == pytest.approx(expected_pooling, abs=1e-3)


def test_to_dict_is_json_and_complete() -> None:
    """The dictionary form survives JSON and carries the counts and method."""
    data = compute_stats(_class()).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["errors"]["timeout_count"] == 0
    assert data["discrimination_method"]
    assert data["quiz"][0]["wrong_answers"][0] == ["156", 2]


def test_write_stats_files(tmp_path: Path) -> None:
    """Charts are valid PNG files, the JSON matches, and the HTML embeds both charts."""
    stats = compute_stats(_class())
    paths = write_stats(stats, tmp_path)
    assert [p.name for p in paths] == [HISTOGRAM, EXERCISE_CHART, STATS_JSON, SUMMARY_HTML]
    for name in (HISTOGRAM, EXERCISE_CHART):
        data = (tmp_path / name).read_bytes()
        assert data.startswith(PNG_MAGIC)
        image = matplotlib.image.imread(tmp_path / name)
        assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100
    assert json.loads((tmp_path / STATS_JSON).read_text()) == stats.to_dict()
    html = (tmp_path / SUMMARY_HTML).read_text()
    embedded = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert [base64.b64decode(e) for e in embedded] == [
        (tmp_path / HISTOGRAM).read_bytes(),
        (tmp_path / EXERCISE_CHART).read_bytes(),
    ]
    for table in ("overview", "tests", "test-groups", "misconceptions", "quiz"):
        assert f'<table id="{table}">' in html
    assert "kernel-flipped" in html and "conv_params_32x32x3" in html


def test_html_escapes_names(tmp_path: Path) -> None:
    """Test names and answers from results are escaped in the HTML."""
    results = _class()
    results[0]["tests"][0]["name"] = "<script>alert(1)</script>"
    results[0]["quiz"]["conv_params_32x32x3"]["answer"] = "<b>bold</b>"
    write_stats(compute_stats(results), tmp_path)
    html = (tmp_path / SUMMARY_HTML).read_text()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>bold</b>" not in html


def test_output_is_deterministic(tmp_path: Path) -> None:
    """Two runs on the same results write byte-identical files."""
    first = write_stats(compute_stats(_class()), tmp_path / "a")
    second = write_stats(compute_stats(list(reversed(_class()))), tmp_path / "b")
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_empty_class(tmp_path: Path) -> None:
    """An empty class gives empty statistics and still writes every file."""
    stats = compute_stats([])
    assert (stats.n, stats.scores, stats.tests, stats.quiz) == (0, None, [], [])
    paths = write_stats(stats, tmp_path)
    assert all(p.is_file() for p in paths)
    assert (tmp_path / HISTOGRAM).read_bytes().startswith(PNG_MAGIC)
    assert "No graded submissions" in (tmp_path / SUMMARY_HTML).read_text()


def test_write_class_stats_reads_stored_results(tmp_path: Path) -> None:
    """Statistics for a run come from results/*.json and land in the stats folder."""
    layout = OutputLayout(tmp_path)
    for result in _class():
        write_result(layout, result)
    (layout.results / "broken.json").write_text("{not json")
    paths, unreadable = write_class_stats(layout)
    assert unreadable == ["broken.json"]
    assert all(p.parent == layout.stats for p in paths)
    assert json.loads((layout.stats / STATS_JSON).read_text())["n"] == 6


def test_a_folder_without_results_is_not_an_output_folder(tmp_path):
    """stats and report name the problem for a class folder or an empty OUT."""
    from autograder.reporting.stats import output_folder_problem

    assert "not a grading output folder" in output_folder_problem(tmp_path, "stats")
    (tmp_path / "results").mkdir()
    assert "holds no results yet" in output_folder_problem(tmp_path, "stats")
    (tmp_path / "results" / "ann.json").write_text("{}")
    assert output_folder_problem(tmp_path, "stats") is None
