"""The class table, misconception view and failing lines the TA pages show."""

from __future__ import annotations

from workspace_samples import sample_result

from autograder.workspace.classview import (
    Filters,
    build_rows,
    failing_lines,
    misconception_view,
    select,
)
from autograder.workspace.store import RosterEntry

RESULTS = [sample_result("ann"), sample_result("bob", flipped=True),
           sample_result("cat", flipped=True)]
RESULTS[2]["gradebook_extra"] = {"days_late": "2", "adjustments": "0"}


def _rows():
    return build_rows(RESULTS, [RosterEntry("bob", "Bob B", "2")], {"cat": 0.9})


def test_filters_combine():
    """Each filter narrows the table, and filters combine."""
    rows = _rows()
    assert [r.submission for r in select(rows, Filters(misconception="kernel-flipped"))] == [
        "bob", "cat"]
    assert [r.submission for r in select(rows, Filters(late="late"))] == ["cat"]
    assert [r.submission for r in select(rows, Filters(late="on-time", max_score=60))] == ["bob"]
    assert [r.submission for r in select(rows, Filters(flagged=True))] == ["cat"]
    assert [r.submission for r in select(rows, Filters(exercise="convolution"))] == ["bob", "cat"]
    assert [r.submission for r in select(rows, Filters(min_score=90))] == ["ann"]


def test_roster_student_without_submission_is_listed():
    """A roster student with no graded submission gets a row marked missing."""
    rows = build_rows(RESULTS, [RosterEntry("dan", "Dan D", "4")], {})
    [dan] = [r for r in rows if r.submission == "dan"]
    assert dan.missing and dan.name == "Dan D"
    assert [r.submission for r in select(rows, Filters(misconception="kernel-flipped"))] == [
        "bob", "cat"]


def test_sort_by_score_descending():
    """Sorting by score puts the best first when descending."""
    rows = select(_rows(), Filters(sort="score", descending=True))
    assert rows[0].submission == "ann"
    assert rows[0].name == "" and _rows()[1].name == "Bob B"


def test_misconception_view_lists_students_and_a_case():
    """Each code lists the students who made it and one failing case."""
    [entry] = misconception_view(RESULTS)
    assert entry.code == "kernel-flipped" and entry.students == ["bob", "cat"]
    assert entry.example is not None and "flipped" in entry.example["output"]


def test_failing_lines_mark_function_and_trace():
    """A failing test marks its function's def line and any traceback line it names."""
    result = sample_result("bob", flipped=True)
    result["tests"][1]["output"] = 'Your code raised\n  File "/x/convolution.py", line 9, in f'
    code = "import numpy as np\n\n\ndef conv_forward(A, W, b):\n    return A\n"
    assert failing_lines(result, {"convolution.py": code}) == {"convolution.py": {4, 9}}


def test_failing_function_named_by_the_output():
    """A test whose id does not name the function is matched by its output's first word."""
    result = {"tests": [{"id": "params.params_random", "exercise": "params", "status": "failed",
                         "output": "conv2d_params is wrong\nExpected: 456"}]}
    code = "def dense_params(n, u):\n    return n\n\n\ndef conv2d_params(k, c, f):\n    return 0\n"
    assert failing_lines(result, {"params.py": code}) == {"params.py": {5}}
