"""Tests for autograder.reporting.gradebook."""

import csv
import io

from autograder.grading.results import QuizItemResult, SubmissionResult, TestOutcome
from autograder.reporting.gradebook import columns, render_gradebook


def _stored(sid: str, conv: float) -> dict:
    return SubmissionResult(
        submission=sid,
        tests=[TestOutcome("t", "convolution", conv, 5, "passed" if conv == 5 else "failed")],
        quiz=[QuizItemResult("q", 1, 1, "correct", "d", "Correct.")],
    ).to_gradescope_dict()


class TestRenderGradebook:
    def test_columns_start_as_the_spec_says(self):
        """Columns start submission,score,max_score then exercises and the quiz."""
        header = render_gradebook([]).splitlines()[0].split(",")
        assert header[:3] == ["submission", "score", "max_score"]
        assert header[3:9] == ["convolution", "pooling", "shapes", "params", "model", "quiz"]
        assert tuple(header) == columns()

    def test_one_row_per_result_sorted_by_id(self):
        """Rows are sorted by submission and missing exercises score 0."""
        rows = list(csv.DictReader(io.StringIO(render_gradebook([_stored("bob", 0),
                                                                 _stored("alice", 5)]))))
        assert [r["submission"] for r in rows] == ["alice", "bob"]
        assert rows[0]["score"] == "6" and rows[0]["max_score"] == "6"
        assert rows[0]["convolution"] == "5" and rows[0]["pooling"] == "0"
        assert rows[1]["quiz"] == "1"

    def test_a_damaged_result_costs_only_its_own_row(self):
        """A stored result without scores gets a row saying so; the others are intact."""
        damaged = {"submission": "carl", "score": "lots"}
        rows = list(csv.DictReader(io.StringIO(render_gradebook([_stored("bob", 5), damaged]))))
        assert [(r["submission"], r["errors"]) for r in rows] == [
            ("bob", "0"), ("carl", "unreadable result")]
        assert rows[0]["score"] == rows[0]["max_score"] == "6"
