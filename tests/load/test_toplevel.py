"""The top-level rule: only imports, definitions and constants run, in .py files and notebooks."""

from __future__ import annotations

import pytest

from autograder.grading.results import TestOutcome
from autograder.load.dropped import Dropped, explain_dropped_names, explain_missing_name
from autograder.load.toplevel import filter_module

LEFTOVER = """import math

def area(r):
    return math.pi * r * r

SIZE = 28 * 28
window_sum = lambda a, w=3: a * w
model = area(2)
model.fit(x_train, y_train,
          epochs=5)

if __name__ == "__main__":
    print(area(1))
"""


def _run(text: str) -> dict[str, object]:
    namespace: dict[str, object] = {"__name__": "student_module"}
    exec(compile(text, "student_module.py", "exec"), namespace)
    return namespace


class TestFilterModule:
    def test_leftover_calls_never_run_and_are_listed(self):
        """A top-level fit and the call before it are dropped and named with file and line."""
        filtered = filter_module(LEFTOVER, "model.py")
        namespace = _run(filtered.text)  # would raise NameError on x_train if the fit ran
        assert namespace["area"](1) == pytest.approx(3.14159, abs=1e-4)
        assert [d.message() for d in filtered.dropped] == [
            "`model = area(...)` at model.py:8 will not run when graded",
            "`model.fit(...)` at model.py:9 will not run when graded",
        ]

    def test_line_numbers_are_kept(self):
        """Dropped lines become comments, so every kept line stays where the student wrote it."""
        filtered = filter_module(LEFTOVER, "model.py")
        before, after = LEFTOVER.splitlines(), filtered.text.splitlines()
        assert len(before) == len(after)
        assert after[3] == before[3] and after[9].startswith("# [not run when graded]")

    def test_lambdas_and_constant_expressions_are_kept(self):
        """A lambda helper and arithmetic on literals still exist at grading time."""
        namespace = _run(filter_module(LEFTOVER, "model.py").text)
        assert namespace["SIZE"] == 784 and namespace["window_sum"](2) == 6

    def test_guarded_imports_are_kept(self):
        """A try/except around imports runs nothing else, so it is kept whole."""
        text = "try:\n    import numpy as np\nexcept ImportError:\n    np = None\n"
        filtered = filter_module(text, "shapes.py")
        assert filtered.text == text and filtered.dropped == []

    def test_file_with_a_syntax_error_is_left_for_loading_to_report(self):
        """Unparsable text comes back unchanged."""
        assert filter_module("def f(:\n", "x.py").text == "def f(:\n"


class TestExplainNames:
    def test_name_only_a_dropped_statement_bound_is_explained(self):
        """A NameError for a dropped assignment says where it was and what to do."""
        dropped = [Dropped("kernel = np.ones(...)", "assignment.ipynb cell 7 line 2", ("kernel",))]
        why = explain_missing_name("NameError: name 'kernel' is not defined", dropped)
        assert why is not None and "assignment.ipynb cell 7 line 2" in why and "def" in why
        assert explain_missing_name("NameError: name 'other' is not defined", dropped) is None

    def test_failures_are_annotated_in_place(self):
        """Failing outcomes caused by a dropped name carry the explanation in output and hint."""
        dropped = [Dropped("PAD = float(...)", "convolution.py:3", ("PAD",))]
        failed = TestOutcome("pads", "convolution", 0, 1, "failed",
                             "Your code raised: NameError: name 'PAD' is not defined")
        passed = TestOutcome("other", "convolution", 1, 1, "passed")
        explain_dropped_names([failed, passed], dropped)
        assert "convolution.py:3" in failed.output and "convolution.py:3" in failed.details["hint"]
        assert passed.output == ""


def test_a_dropped_call_sharing_a_line_keeps_the_import_beside_it():
    """`import math; print(...)`: the print becomes pass, the import still runs."""
    text = "import math; print(math.pi)\n\ndef area(r):\n    return math.pi * r * r\n"
    filtered = filter_module(text, "shapes.py")
    assert filtered.text.splitlines()[0] == "import math; pass"
    assert _run(filtered.text)["area"](1) == pytest.approx(3.14159, abs=1e-4)
    assert [d.where for d in filtered.dropped] == ["shapes.py:1"]


def test_line_numbers_hold_with_form_feeds_and_crlf():
    """Characters Python does not count as line ends never shift the commented lines."""
    text = "x = '\x0c'\r\nprint(x)\r\nY = 1\r\n"
    filtered = filter_module(text, "m.py")
    assert filtered.text.split("\r\n")[1].startswith("# [not run when graded] print")
    assert _run(filtered.text)["Y"] == 1


def test_values_built_from_constants_are_kept_and_other_calls_dropped():
    """np.array of literals is a constant; np.load, a student function or a shadowed np is not."""
    text = (
        "import numpy as np\nimport math\n\n"
        "KERNEL = np.array([[1, 0], [0, -1]], dtype=np.float64)\n"
        "ROOT = math.sqrt(2)\n"
        "DATA = np.load('x.npy')\n"
        "def make():\n    return 1\n\n"
        "MADE = make()\n"
        "np = None\n"
        "LATER = np.zeros(3)\n"
    )
    filtered = filter_module(text, "convolution.py")
    assert [d.statement for d in filtered.dropped] == ["DATA = np.load(...)", "MADE = make(...)",
                                                        "LATER = np.zeros(...)"]
    namespace = _run(filtered.text)
    assert namespace["KERNEL"].tolist() == [[1, 0], [0, -1]] and namespace["ROOT"] > 1.41


def test_exercise_function_bound_by_a_dropped_call_is_explained():
    """`conv_forward = make()` leaves the function missing; the failure says why."""
    dropped = [Dropped("conv_forward = make(...)", "convolution.py:9", ("conv_forward",))]
    why = explain_missing_name("Not found: convolution.py has no function conv_forward", dropped)
    assert why is not None and why.startswith("`conv_forward` is assigned at convolution.py:9")


def test_main_and_typing_guards_are_not_reported():
    """Blocks that never run on import anyway are left alone and not listed."""
    text = (
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import keras\n"
        "if __name__ == '__main__':\n    main()\n"
    )
    filtered = filter_module(text, "model.py")
    assert filtered.dropped == [] and filtered.text == text
