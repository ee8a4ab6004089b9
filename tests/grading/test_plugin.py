"""Tests for autograder.grading.plugin: hidden graders run through pytest into typed outcomes."""

import sys
import textwrap

import pytest
from grading_helpers import ModuleProxy, make_mutant, reference_modules

from autograder.grading.plugin import (
    GRADERS_DIR,
    GraderState,
    collect_plan,
    run_graders,
    stable_seed,
)
from autograder.grading.points import PointsPolicy, rescore
from autograder.grading.results import SubmissionResult
from autograder.sandbox.proxy import StudentRaised

GRADER = '''
import pytest
from autograder.grading.feedback import Mismatch


@pytest.mark.points(2)
def test_adds(student):
    """add returns the sum."""
    assert student.call("m", "add", 1, 2) == 3


@pytest.mark.points(3)
@pytest.mark.parametrize("n", [1, 2])
def test_tagged(student, n):
    """A wrong answer is tagged."""
    raise Mismatch("wrong", case=f"n={n}", expected="1", got="2",
                   misconception="off-by-one", hint="Add one.")


def test_raises(student):
    """Student exceptions are reported."""
    student.call("m", "boom")


def test_seed(student, rng):
    """The random generator is the course's, the same for every submission."""
    student.call("m", "record", int(rng.integers(1 << 30)))
'''


class FakeProxy:
    def __init__(self):
        self.recorded = []

    def call(self, module, function, *args, **kwargs):
        if function == "boom":
            raise StudentRaised("ValueError", "stride must be positive")
        if function == "record":
            self.recorded.append(args[0])
            return None
        return sum(args)


@pytest.fixture
def grader(tmp_path):
    path = tmp_path / "test_toy.py"
    path.write_text(textwrap.dedent(GRADER))
    return path


class TestRunGraders:
    def test_outcomes_points_and_names(self, grader):
        """Each test becomes an outcome with its points, docstring name and exercise."""
        outcomes, errors = run_graders(FakeProxy(), "s1", GraderState(reference={}), [grader])
        assert errors == []
        by_name = {o.name: o for o in outcomes}
        assert by_name["add returns the sum"].score == 2 == by_name["add returns the sum"].max_score
        assert by_name["A wrong answer is tagged [1]"].score == 0
        assert by_name["A wrong answer is tagged [2]"].max_score == 3
        assert {o.exercise for o in outcomes} == {"toy"}

    def test_mismatch_becomes_tag_hint_and_details(self, grader):
        """A Mismatch yields a misconception tag, a hint in the output and structured details."""
        outcomes, _ = run_graders(FakeProxy(), "s1", GraderState(reference={}), [grader])
        tagged = next(o for o in outcomes if o.name.startswith("A wrong answer"))
        assert tagged.tags == ["misconception:off-by-one"]
        assert "Hint (off-by-one): Add one." in tagged.output
        assert tagged.details["expected"] == "1" and tagged.details["got"] == "2"

    def test_student_exception_is_reported(self, grader):
        """An exception raised by student code fails the test with its type and message."""
        outcomes, _ = run_graders(FakeProxy(), "s1", GraderState(reference={}), [grader])
        failed = next(o for o in outcomes if o.name == "Student exceptions are reported")
        assert failed.status == "failed"
        assert "ValueError: stride must be positive" in failed.output

    def test_seed_is_the_same_for_every_submission(self, grader):
        """Every submission id gets the same random cases."""
        first, again, other = FakeProxy(), FakeProxy(), FakeProxy()
        for proxy, sid in ((first, "alice"), (again, "alice"), (other, "bob")):
            run_graders(proxy, sid, GraderState(reference={}), [grader])
        assert first.recorded == again.recorded == other.recorded
        assert len(first.recorded) == 1 and first.recorded[0] != 0

    def test_broken_grader_is_reported(self, tmp_path):
        """A grader module that fails to import is reported as a grader error."""
        path = tmp_path / "test_broken.py"
        path.write_text("import nonexistent_module_xyz\n")
        outcomes, errors = run_graders(FakeProxy(), "s1", GraderState(reference={}), [path])
        assert outcomes == [] and len(errors) == 1


def test_stable_seed_is_stable():
    """stable_seed does not depend on Python's per-process hash salt."""
    assert stable_seed("a", "b") == stable_seed("a", "b") != stable_seed("ab")


def test_tests_after_the_deadline_fail_as_timeouts(grader):
    """Once the submission's deadline has passed, every remaining test fails as a timeout."""
    state = GraderState(reference={}, deadline=0.0)
    outcomes, _ = run_graders(FakeProxy(), "late", state, [grader])
    assert outcomes and all(o.status == "failed" for o in outcomes)
    assert {o.details["error"] for o in outcomes} == {"timeout"}


def test_skipped_checks_are_not_scored(tmp_path):
    """A test that skips itself (a check this run does not make) records no outcome."""
    path = tmp_path / "test_skip.py"
    path.write_text("import pytest\n\ndef test_s(student):\n    pytest.skip('not now')\n")
    outcomes, errors = run_graders(FakeProxy(), "s", GraderState(reference={}), [path])
    assert outcomes == [] and errors == []


def test_collect_plan_lists_every_test_with_its_points(grader):
    """The plan has each hidden test once, zero-scored, with its points, running none."""
    plan = collect_plan([grader])
    assert [(o.name, o.max_score, o.score) for o in plan] == [
        ("add returns the sum", 2.0, 0.0),
        ("A wrong answer is tagged [1]", 3.0, 0.0),
        ("A wrong answer is tagged [2]", 3.0, 0.0),
        ("Student exceptions are reported", 1.0, 0.0),
        ("The random generator is the course's, the same for every submission", 1.0, 0.0),
    ]


def test_recorded_properties_reach_the_outcome(tmp_path):
    """Facts a grader records with record_property are kept in the outcome's details."""
    path = tmp_path / "test_props.py"
    path.write_text("def test_p(student, record_property):\n"
                    "    record_property('training', 'memo-hit')\n")
    outcomes, _ = run_graders(FakeProxy(), "s", GraderState(reference={}), [path])
    assert outcomes[0].details["properties"] == {"training": "memo-hit"}


def test_a_test_id_is_its_exercise_function_and_case(grader):
    """Ids are ``<exercise>.<function>[<case>]``; the docstring is only the label."""
    assert [(o.id, o.name) for o in collect_plan([grader])][:3] == [
        ("toy.adds", "add returns the sum"),
        ("toy.tagged[1]", "A wrong answer is tagged [1]"),
        ("toy.tagged[2]", "A wrong answer is tagged [2]"),
    ]


def test_the_hidden_test_ids_are_unique():
    """No two hidden tests share an id, so a policy or an adjustment names exactly one."""
    ids = [o.id for o in collect_plan()]
    assert len(ids) == len(set(ids)) > 50


@pytest.fixture
def unloaded_pooling_grader():
    """No module named test_pooling while the test runs, the earlier one put back after.

    pytest's importlib mode reuses a loaded module of the same name (so a grader
    process loads its graders once); each copy of the graders must load afresh.
    """
    saved = sys.modules.pop("test_pooling", None)
    yield
    sys.modules.pop("test_pooling", None)
    if saved is not None:
        sys.modules["test_pooling"] = saved


def _graded(folder, proxy, policy):
    sys.modules.pop("test_pooling", None)
    outcomes, errors = run_graders(proxy, "s", GraderState(reference={}),
                                   [folder / "test_pooling.py"])
    assert errors == []
    data = rescore(SubmissionResult(submission="s", tests=outcomes).to_gradescope_dict(), policy)
    return {t["id"]: t for t in data["tests"]}


def test_rewording_a_docstring_keeps_ids_and_policy_points(tmp_path, unloaded_pooling_grader):
    """A reworded hidden test keeps its id, so a points policy still reaches it."""
    source = (GRADERS_DIR / "test_pooling.py").read_text()
    old = '"""pool_forward matches TensorFlow\'s pooling"""'
    assert old in source
    for folder, text in (("before", source),
                         ("after", source.replace(old, '"""pooling agrees with TensorFlow"""'))):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "test_pooling.py").write_text(text)
    reference = reference_modules(("pooling",))["pooling"].pool_forward

    def max_only(A_prev, pool_size=2, stride=None, mode="max", padding="valid"):
        return reference(A_prev, pool_size, stride, "max", padding)

    proxy = ModuleProxy(make_mutant(reference_modules(("pooling",)), "pooling", "pool_forward",
                                    max_only))
    named = "pooling.pool_forward_cases[average-same-odd]"
    policy = PointsPolicy(exercises={"pooling": 20}, tests={named: 5})
    before = _graded(tmp_path / "before", proxy, policy)
    after = _graded(tmp_path / "after", proxy, policy)
    assert after[named]["name"] == "pooling agrees with TensorFlow [average-same-odd]"
    assert before[named]["name"] == "pool_forward matches TensorFlow's pooling [average-same-odd]"
    assert (after[named]["score"], after[named]["max_score"]) == (0.0, 5.0)
    points = {tid: (t["score"], t["max_score"]) for tid, t in before.items()}
    assert points == {tid: (t["score"], t["max_score"]) for tid, t in after.items()}
    assert 0 < sum(s for s, _ in points.values()) < 20
    assert sum(m for _, m in points.values()) == pytest.approx(20)
