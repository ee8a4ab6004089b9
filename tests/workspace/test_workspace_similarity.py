"""Ranking pairs of submissions by the code they share of their own."""

from __future__ import annotations

import csv
from pathlib import Path

from autograder.course.paths import course
from autograder.workspace.similarity import (
    FLAG_SCORE,
    analyse,
    course_prints,
    flagged,
    read_pairs,
    write_similarity,
)
from autograder.workspace.synthetic import synthetic_class


def test_renamed_copy_ranked_first_among_a_hundred(tmp_path: Path):
    """A renamed, commented, reordered copy among 100 submissions is the top pair, near 1."""
    students = synthetic_class(100, copy_of=37, seed=3)
    analysis = write_similarity(tmp_path, students, course())
    top = analysis.pairs[0]
    assert {top.a, top.b} == {"copy", "s0037"}
    assert top.score > 0.9
    assert analysis.pairs[1].score < FLAG_SCORE
    with (tmp_path / "similarity" / "pairs.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    scores = [float(r["score"]) for r in rows]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
    assert (rows[0]["a"], rows[0]["b"]) == ("copy", "s0037")
    page = (tmp_path / "similarity" / "index.html").read_text()
    assert 'class="mark"' in page and "s0037" in page
    assert flagged(read_pairs(tmp_path)) == {"copy": top.score, "s0037": top.score}


def test_stub_and_reference_code_is_discounted():
    """Two students who both hand in the reference are not flagged for it."""
    reference = {p.name: p.read_text() for p in course().reference.glob("*.py")}
    students = {"a": dict(reference), "b": dict(reference)}
    analysis = analyse(students, course_prints(course()))
    assert all(p.score < FLAG_SCORE for p in analysis.pairs)
    without = analyse(students, set())
    assert without.pairs[0].score == 1.0  # the same pair without the discount


def test_common_idioms_are_discounted():
    """A fragment most of the class shares does not make any pair similar."""
    shared = "def helper(x):\n    y = x * 2 + 1\n    z = y - x // 3\n    return z + y * x\n"
    students = synthetic_class(30, copy_of=0, seed=5)
    students.pop("copy")
    for files in students.values():
        files["extra.py"] = shared
    assert all(p.score < FLAG_SCORE for p in analyse(students, set()).pairs)
