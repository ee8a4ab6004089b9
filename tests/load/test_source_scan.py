"""Reading what a student's module defines without running it."""

from __future__ import annotations

from autograder.course.paths import course
from autograder.load.source_scan import definitions, started


def test_definitions_lists_names_and_unfinished_functions():
    """Functions, classes, imports and assignments are found; stubs are told apart."""
    text = (
        "import numpy as np\nfrom math import ceil\nLIMIT = 3\n"
        "def done(x):\n    return x\n"
        "def todo(x):\n    raise NotImplementedError('write me')\n"
        "class Helper:\n    pass\n"
    )
    defined, unfinished = definitions(text)
    assert {"np", "ceil", "LIMIT", "done", "todo", "Helper"} <= defined
    assert unfinished == {"todo"}


def test_definitions_of_broken_code_is_none():
    """A syntax error gives no names rather than raising."""
    assert definitions("def broken(:\n    pass\n") == (None, set())


def test_started_tells_the_stub_from_the_reference():
    """The generated model stub has not been started; the reference has."""
    stub = (course().exercises / "model.py").read_text()
    solved = (course().reference / "model.py").read_text()
    assert not started(stub, prefix="build_")
    assert started(solved, prefix="build_")
    assert started("def build_x(:\n", prefix="build_"), "a syntax error counts as begun"
