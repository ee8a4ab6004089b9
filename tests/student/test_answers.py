"""Quiz answers checked for form only, in the notebook helper and in ``convgrade check``."""

from __future__ import annotations

import shutil

from autograder.course.paths import course
from autograder.quiz.files import load_questions
from autograder.student.answers import answer_forms, find_questions
from autograder.student.check import answer_problems, run_check


def test_questions_are_found_in_the_bundle_above_the_notebooks(tmp_path):
    """From bundle/notebooks the questions come from bundle/quizzes/questions.toml."""
    (tmp_path / "quizzes").mkdir()
    (tmp_path / "notebooks").mkdir()
    text = course().quiz_questions.read_text().replace("conv_advantages", "bundle_question")
    (tmp_path / "quizzes" / "questions.toml").write_text(text)
    questions = find_questions(tmp_path / "notebooks")
    assert questions is not None and questions[0].id == "bundle_question"


def test_every_accepted_form_of_a_kind_is_read():
    """Letters, lists, grouped numbers and shapes with a batch None are all readable."""
    questions = {q.id: q for q in load_questions(course().quiz_questions)}
    answers = {"conv_advantages": "D", "param_reduction_reasons": "a, c",
               "dense_first_layer_weights": "1,234", "strided_output_shape": [None, 3, 3, 2]}
    view = answer_forms(answers, list(questions.values()))
    read = {row.id: row.message for row in view.rows if row.state == "ok"}
    assert read == {"conv_advantages": "read as d", "param_reduction_reasons": "read as a, c",
                    "dense_first_layer_weights": "read as 1,234",
                    "strided_output_shape": "read as 3x3x2"}


def test_a_table_instead_of_a_dict_is_one_clear_error():
    """QUIZ_ANSWERS that is not a dict gives one error and no rows."""
    view = answer_forms(["a"], load_questions(course().quiz_questions))
    assert view.rows == [] and view.errors == ["QUIZ_ANSWERS must be a dict, not a list"]


def test_convgrade_check_reports_unreadable_answers(tmp_path):
    """`convgrade check` lists unreadable answers and unknown ids as errors, blanks not at all."""
    for name in ("shapes.py", "params.py"):
        shutil.copy(course().reference / name, tmp_path / name)
    (tmp_path / "answers.toml").write_text(
        'fashion_cnn_flatten = "sixteen"\nodd_pool = "5x5x64"\n')
    report = run_check(tmp_path)
    problems = [e for e in report.errors if e.startswith("quiz answer")]
    assert len(problems) == 2 and not report.all_passed
    assert any("fashion_cnn_flatten" in p and "a number" in p for p in problems)
    assert any("did you mean 'odd_pool_shape'" in p for p in problems)
    assert answer_problems({}, tmp_path) == []

