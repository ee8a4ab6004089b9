"""Tests for autograder.quiz.scoring: loading, answer normalisation, scoring and rendering."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from autograder.course.paths import course
from autograder.grading.results import QuizItemResult
from autograder.quiz.render import quiz_to_markdown
from autograder.quiz.scoring import (
    FORMATS,
    KINDS,
    Quiz,
    course_quiz,
    load_keys,
    load_questions,
    load_quiz,
    parse_answers_toml,
    score_quiz,
)

SPEC_ANSWERS = {
    "conv_advantages": "d",
    "dense_first_layer_weights": 235200,
    "conv_params_32x32x3": 456,
    "fashion_cnn_flatten": 1600,
    "strided_output_shape": "14x14x12",
}


@pytest.fixture(scope="module")
def quiz() -> Quiz:
    return course_quiz()


def one(quiz: Quiz, qid: str, value: object) -> QuizItemResult:
    """Score a single answer and return that question's result."""
    results, _ = score_quiz(quiz, {qid: value})
    return next(r for r in results if r.id == qid)


def write_quiz(tmp_path: Path, questions: str, keys: str) -> tuple[Path, Path]:
    qpath, kpath = tmp_path / "questions.toml", tmp_path / "keys.toml"
    qpath.write_text(questions, encoding="utf-8")
    kpath.write_text(keys, encoding="utf-8")
    return qpath, kpath


TWO_QUESTIONS = """
[[question]]
id = "pick"
kind = "multi"
points = 2
prompt = "Pick the even letters."
options = { a = "one", b = "two", c = "three", d = "four" }

[[question]]
id = "size"
kind = "numeric"
points = 1
prompt = "How big?"
"""


class TestCourseQuiz:
    def test_enough_questions_of_every_kind(self, quiz: Quiz) -> None:
        """The course quiz has at least 14 questions and uses all four kinds."""
        assert len(quiz.questions) >= 14
        assert {q.kind for q in quiz.questions} == set(KINDS)

    def test_every_question_has_key_and_teaching_explanation(self, quiz: Quiz) -> None:
        """Every question has a key whose explanation has two or three sentences."""
        for q in quiz.questions:
            key = quiz.keys[q.id]
            sentences = re.findall(r"[.!?](?:\s|$)", key.explanation)
            assert 2 <= len(sentences) <= 3, q.id

    def test_question_file_holds_no_answers(self, quiz: Quiz) -> None:
        """questions.toml ships to students, so it has no answer fields or explanation text."""
        text = course().quiz_questions.read_text(encoding="utf-8")
        raw = tomllib.loads(text)["question"]
        assert all({"answer", "explanation", "equivalent"}.isdisjoint(q) for q in raw)
        assert not any(k.explanation[:40] in text for k in quiz.keys.values())

    def test_spec_answers_score_full_marks(self, quiz: Quiz) -> None:
        """The five ids fixed by the spec exist and the spec's answers get full marks."""
        results, warnings = score_quiz(quiz, SPEC_ANSWERS)
        scored = {r.id: r for r in results if r.id in SPEC_ANSWERS}
        assert set(scored) == set(SPEC_ANSWERS)
        assert all(r.status == "correct" and r.score == r.max_score for r in scored.values())
        assert warnings == []

    def test_key_answers_score_max(self, quiz: Quiz) -> None:
        """Answering every question with its own key reaches the quiz's max_score."""
        answers = {qid: key.answer for qid, key in quiz.keys.items()}
        results, _ = score_quiz(quiz, answers)
        assert sum(r.score for r in results) == quiz.max_score
        assert quiz.max_score == sum(q.points for q in quiz.questions)

    def test_results_follow_question_order(self, quiz: Quiz) -> None:
        """score_quiz returns one result per question, in question order."""
        results, _ = score_quiz(quiz, {})
        assert [r.id for r in results] == [q.id for q in quiz.questions]
        assert [r.max_score for r in results] == [q.points for q in quiz.questions]


class TestChoice:
    @pytest.mark.parametrize("value", ["d", "D", " D ", "d)", "(d)", "d.", ["a", "b", "c"]])
    def test_accepted_spellings(self, quiz: Quiz, value: object) -> None:
        """Letters are case-insensitive, tolerate brackets, and the spec equivalent counts."""
        assert one(quiz, "conv_advantages", value).status == "correct"

    @pytest.mark.parametrize("value", ["a,b,c", "abc", ["c", "B", "a"]])
    def test_equivalent_in_other_spellings(self, quiz: Quiz, value: object) -> None:
        """The equivalent list a, b, c is accepted in any spelling of a letter list."""
        assert one(quiz, "conv_advantages", value).score == 1

    def test_wrong_letter_teaches(self, quiz: Quiz) -> None:
        """A wrong letter scores 0 and its feedback gives the answer and the explanation."""
        result = one(quiz, "conv_advantages", "b")
        assert (result.status, result.score, result.answer) == ("incorrect", 0.0, "b")
        assert "expected answer is d" in result.feedback
        assert quiz.keys["conv_advantages"].explanation in result.feedback
        assert result.explanation == quiz.keys["conv_advantages"].explanation

    def test_two_letters_not_equivalent(self, quiz: Quiz) -> None:
        """A letter list that is not an accepted equivalent is wrong, with a one-letter hint."""
        result = one(quiz, "conv_advantages", ["a", "b"])
        assert result.status == "incorrect"
        assert "single letter" in result.feedback


class TestMulti:
    @pytest.mark.parametrize("value", [["a", "b", "d"], "a,b,d", "abd", "D B A", ("d", "a", "b")])
    def test_accepted_spellings(self, quiz: Quiz, value: object) -> None:
        """A list of letters or a string of letters in any order and case is accepted."""
        result = one(quiz, "pooling_purposes", value)
        assert (result.status, result.score) == ("correct", 2.0)

    def test_partial_credit(self, quiz: Quiz) -> None:
        """Two of three right letters and no wrong one earn two thirds of the points."""
        result = one(quiz, "pooling_purposes", ["a", "b"])
        assert result.status == "partial"
        assert result.score == pytest.approx(2 * 2 / 3, abs=1e-3)

    def test_wrong_pick_cancels_credit(self, quiz: Quiz) -> None:
        """A wrong letter costs as much as the answer's other options, floored at zero."""
        assert one(quiz, "param_reduction_reasons", ["a"]).score == 1.0
        assert one(quiz, "param_reduction_reasons", ["a", "c"]).status == "incorrect"
        everything = one(quiz, "pooling_purposes", "abcd")
        assert (everything.status, everything.score) == ("incorrect", 0.0)

    def test_all_or_nothing_without_partial(self, tmp_path: Path) -> None:
        """A multi question without partial credit gives nothing for a subset."""
        paths = write_quiz(
            tmp_path,
            TWO_QUESTIONS,
            '[pick]\nanswer = ["b", "d"]\nexplanation = "Even."\n'
            '[size]\nanswer = 3\nexplanation = "Three."\n',
        )
        small = load_quiz(*paths)
        assert one(small, "pick", ["b"]).status == "incorrect"
        assert one(small, "pick", "b,d").score == 2.0


class TestNumeric:
    @pytest.mark.parametrize(
        "value", [235200, 235200.0, "235200", "235,200", "235_200", "2.352e5", " 235 200 "]
    )
    def test_accepted_spellings(self, quiz: Quiz, value: object) -> None:
        """Numbers and numeric strings with separators or exponents are read."""
        assert one(quiz, "dense_first_layer_weights", value).status == "correct"

    def test_exact_without_tolerance(self, quiz: Quiz) -> None:
        """Without a tolerance an answer off by one is wrong."""
        result = one(quiz, "dense_first_layer_weights", 235201)
        assert result.status == "incorrect"
        assert "235,200" in result.feedback

    @pytest.mark.parametrize(
        ("value", "status"),
        [(1004.4, "correct"), (1002.6, "correct"), (1004.6, "incorrect"), (1000, "correct"),
         (999, "incorrect"), (1001, "incorrect")],
    )
    def test_tolerance(self, quiz: Quiz, value: float, status: str) -> None:
        """The ratio question takes answers within 1 of the exact ratio, and exactly 1000."""
        assert quiz.keys["dense_vs_conv_ratio"].tolerance == 1.0
        assert one(quiz, "dense_vs_conv_ratio", value).status == status

    def test_scientific_notation(self, quiz: Quiz) -> None:
        """1e8 is read as a hundred million."""
        assert one(quiz, "megapixel_dense_weights", "1e8").status == "correct"
        assert one(quiz, "megapixel_dense_weights", 1e8).status == "correct"


class TestShape:
    @pytest.mark.parametrize(
        "value",
        [
            "14x14x12",
            "14 x 14 x 12",
            "14×14×12",
            "14X14X12",
            "14*14*12",
            "(14, 14, 12)",
            "[14,14,12]",
            "14, 14, 12",
            [14, 14, 12],
            (14, 14, 12),
            [14.0, 14, 12],
        ],
    )
    def test_accepted_spellings(self, quiz: Quiz, value: object) -> None:
        """Every common spelling of a shape is read."""
        result = one(quiz, "strided_output_shape", value)
        assert (result.status, result.score) == ("correct", 2.0)

    @pytest.mark.parametrize(
        "value", ["(None, 14, 14, 12)", "None x 14 x 14 x 12", [None, 14, 14, 12]]
    )
    def test_leading_batch_none_accepted_and_noted(self, quiz: Quiz, value: object) -> None:
        """A leading None batch dimension is ignored, and the feedback says so."""
        result = one(quiz, "strided_output_shape", value)
        assert result.status == "correct"
        assert "None" in result.feedback and "batch" in result.feedback

    def test_wrong_shape(self, quiz: Quiz) -> None:
        """A shape with the stride ignored is wrong and shows the expected shape."""
        result = one(quiz, "strided_output_shape", "28x28x12")
        assert result.status == "incorrect"
        assert "14x14x12" in result.feedback

    def test_missing_channels_noted(self, quiz: Quiz) -> None:
        """A two-dimensional answer is wrong and the feedback names the three dimensions."""
        result = one(quiz, "strided_output_shape", "14x14")
        assert result.status == "incorrect"
        assert "3 dimensions" in result.feedback

    def test_batch_size_number_is_not_dropped(self, quiz: Quiz) -> None:
        """Only None may stand for the batch size; a leading 1 makes a different shape."""
        assert one(quiz, "strided_output_shape", "1x14x14x12").status == "incorrect"


class AlwaysEqual:
    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = object.__hash__


class TestMalformedAndMissing:
    @pytest.mark.parametrize(
        ("qid", "value"),
        [
            ("conv_advantages", 4),
            ("conv_advantages", {"answer": "d"}),
            ("conv_advantages", True),
            ("conv_advantages", "e"),
            ("conv_advantages", "none of the above"),
            ("conv_advantages", AlwaysEqual()),
            ("pooling_purposes", 3),
            ("pooling_purposes", [1, 2]),
            ("pooling_purposes", "a,x"),
            ("dense_first_layer_weights", True),
            ("dense_first_layer_weights", "lots"),
            ("dense_first_layer_weights", {"value": 235200}),
            ("dense_first_layer_weights", [235200]),
            ("dense_first_layer_weights", "23,52,00"),
            ("dense_first_layer_weights", float("nan")),
            ("dense_first_layer_weights", AlwaysEqual()),
            ("strided_output_shape", 14),
            ("strided_output_shape", {"h": 14}),
            ("strided_output_shape", "fourteen by fourteen"),
            ("strided_output_shape", [14, None, 12]),
            ("strided_output_shape", "0x0x12"),
            ("strided_output_shape", [True, 14, 12]),
            ("strided_output_shape", AlwaysEqual()),
        ],
    )
    def test_malformed_scores_zero_with_format(self, quiz: Quiz, qid: str, value: object) -> None:
        """Unreadable answers score 0 as malformed, with the expected format in the feedback."""
        result = one(quiz, qid, value)
        kind = next(q.kind for q in quiz.questions if q.id == qid)
        assert (result.status, result.score) == ("malformed", 0.0)
        assert FORMATS[kind] in result.feedback
        assert isinstance(result.answer, str) and len(result.answer) <= 60

    def test_malformed_costs_only_its_question(self, quiz: Quiz) -> None:
        """A malformed answer leaves the other answers' scores alone."""
        results, _ = score_quiz(quiz, {**SPEC_ANSWERS, "fashion_cnn_flatten": "sixteen hundred"})
        by_id = {r.id: r for r in results}
        assert by_id["fashion_cnn_flatten"].status == "malformed"
        assert by_id["conv_params_32x32x3"].status == "correct"

    @pytest.mark.parametrize("value", ["", "   ", [], None])
    def test_blank_values_are_missing(self, quiz: Quiz, value: object) -> None:
        """Empty strings, empty lists and None count as unanswered."""
        result = one(quiz, "pooling_purposes", value)
        assert (result.status, result.score, result.answer) == ("missing", 0.0, None)

    def test_absent_answers_are_missing(self, quiz: Quiz) -> None:
        """With no answers at all every question is missing and shows its answer."""
        results, warnings = score_quiz(quiz, {})
        assert {r.status for r in results} == {"missing"}
        assert warnings == []
        assert "14x14x12" in next(r for r in results if r.id == "strided_output_shape").feedback

    @pytest.mark.parametrize("answers", [None, ["d"], "conv_advantages = d", 7])
    def test_answers_not_a_table(self, quiz: Quiz, answers: object) -> None:
        """Answers that are not a table never raise; every question is missing."""
        results, _ = score_quiz(quiz, answers)  # type: ignore[arg-type]
        assert {r.status for r in results} == {"missing"}


class TestWarnings:
    def test_unknown_ids_warn_without_cost(self, quiz: Quiz) -> None:
        """Answers to unknown ids produce warnings, with a suggestion for a near miss."""
        results, warnings = score_quiz(quiz, {**SPEC_ANSWERS, "conv_advantage": "d", "x": 1})
        assert len(warnings) == 2
        assert any("did you mean 'conv_advantages'" in w for w in warnings)
        assert sum(r.score for r in results) == sum(
            q.points for q in quiz.questions if q.id in SPEC_ANSWERS
        )

    def test_non_text_id_warns(self, quiz: Quiz) -> None:
        """A non-text id (possible from a notebook dict) is a warning, not an error."""
        _, warnings = score_quiz(quiz, {3: "d"})  # type: ignore[dict-item]
        assert len(warnings) == 1


class TestParseAnswers:
    def test_valid_toml(self) -> None:
        """Top-level id = value lines become a dict."""
        answers, errors = parse_answers_toml('conv_advantages = "d"\nx = [1, 2]\ny = 4.5\n')
        assert errors == []
        assert answers == {"conv_advantages": "d", "x": [1, 2], "y": 4.5}

    @pytest.mark.parametrize(
        ("text", "line"),
        [('a = "b"\nconv_advantages = d\n', 2), ("a = 1\nb = 2\n\na = 3\n", 4), ("a = [1,\n", 2)],
    )
    def test_syntax_errors_name_the_line(self, text: str, line: int) -> None:
        """A TOML syntax error gives no answers and one message naming the line."""
        answers, errors = parse_answers_toml(text)
        assert answers == {}
        assert len(errors) == 1 and f"line {line}" in errors[0]

    @pytest.mark.parametrize("text", [None, b'conv_advantages = "d"', "\ufeffa = 1"])
    def test_odd_inputs_never_raise(self, text: object) -> None:
        """Non-text input and a byte-order mark are handled without raising."""
        answers, errors = parse_answers_toml(text)  # type: ignore[arg-type]
        assert isinstance(answers, dict) and isinstance(errors, list)
        assert bool(answers) != bool(errors)


class TestLoadQuiz:
    def test_question_without_key(self, tmp_path: Path) -> None:
        """A question with no key raises ValueError naming its id."""
        paths = write_quiz(tmp_path, TWO_QUESTIONS, '[pick]\nanswer = ["b"]\nexplanation = "x."\n')
        with pytest.raises(ValueError, match="'size'"):
            load_quiz(*paths)

    def test_key_without_explanation(self, tmp_path: Path) -> None:
        """A key without an explanation raises ValueError naming its id."""
        keys = '[pick]\nanswer = ["b"]\nexplanation = "x."\n[size]\nanswer = 3\n'
        with pytest.raises(ValueError, match=r"'size'.*explanation"):
            load_quiz(*write_quiz(tmp_path, TWO_QUESTIONS, keys))

    @pytest.mark.parametrize(
        ("keys", "match"),
        [
            ('[pick]\nanswer = ["z"]\nexplanation = "x."\n', "pick"),
            ('[pick]\nanswer = ["b"]\nexplanation = "x."\ntolerance = 1\n', "tolerance"),
            ('[size]\nanswer = 3\nexplanation = "x."\npartial = true\n', "partial"),
            ('[size]\nanswer = "three"\nexplanation = "x."\n', "size"),
            ('[other]\nanswer = 1\nexplanation = "x."\n', "other"),
            ('[size]\nanswer = 3\nexplanation = "x."\ntolerence = 1\n', "tolerence"),
        ],
    )
    def test_inconsistent_keys(self, tmp_path: Path, keys: str, match: str) -> None:
        """Answers that do not fit the kind, misplaced fields and orphan keys raise."""
        full = (
            '[pick]\nanswer = ["b"]\nexplanation = "x."\n[size]\nanswer = 3\nexplanation = "x."\n'
        )
        merged = {**_tables(full), **_tables(keys)}
        with pytest.raises(ValueError, match=match):
            load_quiz(*write_quiz(tmp_path, TWO_QUESTIONS, "".join(merged.values())))

    @pytest.mark.parametrize(
        ("change", "match"),
        [
            (('kind = "numeric"', 'kind = "essay"'), "kind"),
            (('id = "size"', 'id = "pick"'), "duplicate"),
            (('id = "size"', 'id = "Size!"'), "id"),
            (("points = 1", "points = 0"), "points"),
        ],
    )
    def test_bad_questions(self, tmp_path: Path, change: tuple[str, str], match: str) -> None:
        """Unknown kinds, duplicate or bad ids and non-positive points are rejected."""
        path = tmp_path / "q.toml"
        path.write_text(TWO_QUESTIONS.replace(*change), encoding="utf-8")
        with pytest.raises(ValueError, match=match):
            load_questions(path)

    def test_choice_needs_options(self, tmp_path: Path) -> None:
        """A choice question without options is rejected."""
        path = tmp_path / "q.toml"
        path.write_text('[[question]]\nid = "c"\nkind = "choice"\npoints = 1\nprompt = "?"\n')
        with pytest.raises(ValueError, match="options"):
            load_questions(path)

    def test_invalid_toml_names_file(self, tmp_path: Path) -> None:
        """A syntax error in a key file raises ValueError naming the file."""
        path = tmp_path / "keys.toml"
        path.write_text("[pick\n")
        with pytest.raises(ValueError, match=r"keys\.toml"):
            load_keys(path)


def _tables(text: str) -> dict[str, str]:
    """Split a keys file into its top-level tables, by name."""
    parts = re.split(r"(?m)^(?=\[)", text)
    return {p.split("]", 1)[0]: p for p in parts if p.strip()}


class TestMarkdown:
    def test_student_markdown_has_no_answers(self, quiz: Quiz) -> None:
        """Without keys the Markdown holds every prompt but no answer or explanation."""
        text = quiz_to_markdown(quiz)
        for q in quiz.questions:
            assert f"`{q.id}`" in text
            assert all(option in text for option in q.options.values())
            key = quiz.keys[q.id]
            assert key.explanation[:40] not in text
            if q.kind == "shape":
                assert str(key.answer) not in text
            if q.kind == "numeric" and key.answer >= 100:
                assert str(key.answer) not in text and f"{key.answer:,}" not in text
        assert "Answer:" not in text and "Why:" not in text

    def test_instructor_markdown_has_keys(self, quiz: Quiz) -> None:
        """With keys the Markdown shows each answer, equivalents and explanation."""
        text = quiz_to_markdown(quiz, with_keys=True)
        assert all(k.explanation in text for k in quiz.keys.values())
        assert "**Answer:** d (also accepted: a, b, c; a, b, c, d)" in text
        assert "**Answer:** 14x14x12" in text


class TestCorrections:
    @pytest.mark.parametrize("value", ["all of the above", "All of the above.",
                                       "d) all of the above", ["a", "b", "c", "d"],
                                       ["a", "b", "c"], "all the above"])
    def test_all_of_the_above_in_every_form(self, quiz: Quiz, value: object) -> None:
        """conv_advantages: "all of the above" written out and every letter score full (spec)."""
        assert one(quiz, "conv_advantages", value).status == "correct"

    def test_a_written_out_wrong_option_is_read_as_its_letter(self, quiz: Quiz) -> None:
        """An option's own text counts as its letter, and is marked wrong when it is wrong."""
        result = one(quiz, "max_pool_rule", "It keeps the mean of the four values.")
        assert result.status == "incorrect" and "You answered b." in result.feedback

    def test_a_decimal_answer_is_echoed_as_given(self, quiz: Quiz) -> None:
        """235200.4 is shown as 235200.4, never rounded into the right answer."""
        result = one(quiz, "dense_first_layer_weights", 235200.4)
        assert result.status == "incorrect" and "You answered 235200.4." in result.feedback

    def test_the_lecture_slip_is_explained_to_students(self, quiz: Quiz) -> None:
        """The 32x32x3 feedback says the lecture's 156 is a slip for 456, right or wrong."""
        for value in (456, 156):
            feedback = one(quiz, "conv_params_32x32x3", value).feedback
            assert "156" in feedback and "slip" in feedback and "456" in feedback

    def test_explanations_say_what_the_lectures_blur(self, quiz: Quiz) -> None:
        """Filters start random; convolution is equivariant, pooling gives the invariance."""
        assert "random" in quiz.keys["learned_filters"].shown
        assert "general-purpose filters" not in quiz.keys["learned_filters"].shown
        invariance = quiz.keys["translation_invariance"].shown
        assert "equivariant" in invariance and "pooling" in invariance
        ratio = quiz.keys["dense_vs_conv_ratio"].shown
        assert "1003.52" in ratio and "1000" in ratio
