"""The public self-check tests: they pass on the reference and fail on stubs."""

from __future__ import annotations

from grading_helpers import ModuleProxy, reference_modules

from autograder.check import public_tests
from autograder.plugin import GraderState, GradingOptions, run_graders
from autograder.proxy import StudentRaised


class Stub:
    def call(self, module, function, *args, **kwargs):
        raise StudentRaised("NotImplementedError", f"{function} is not implemented yet")


def _run(proxy):
    state = GraderState(reference={}, options=GradingOptions(train_models=False))
    outcomes, errors = run_graders(proxy, "self-check", state, public_tests(include_model=False))
    assert errors == []
    return outcomes


def test_public_tests_pass_on_the_reference():
    """Every public NumPy check passes for the reference solutions."""
    outcomes = _run(ModuleProxy(reference_modules()))
    assert outcomes and all(o.status == "passed" for o in outcomes), [
        (o.name, o.output) for o in outcomes if o.status != "passed"
    ]
    assert {o.exercise for o in outcomes} == {"convolution", "pooling", "shapes", "params"}


def test_public_tests_fail_on_stubs_and_say_why():
    """Stubs fail every public check with the NotImplementedError in the message."""
    outcomes = _run(Stub())
    assert all(o.status == "failed" and "NotImplementedError" in o.output for o in outcomes)


def test_public_tests_do_not_use_the_reference():
    """The public tests never touch the reference (students do not have it)."""
    for path in public_tests(include_model=True):
        text = path.read_text()
        assert "reference" not in text, path.name
