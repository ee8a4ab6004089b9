"""Tests for autograder/authoring/stubs.py: turning solution regions into stubs."""

from __future__ import annotations

import inspect

import pytest

from autograder.authoring.stubs import strip_solutions

TOY = '''"""A toy module."""

import math

# BEGIN SOLUTION
import cmath
# END SOLUTION


# BEGIN SOLUTION
def _helper(x):
    return math.sqrt(x)
# END SOLUTION


def area(r: float, scale: float = 1.0) -> float:
    """Area of a circle.

    Args:
        r: radius.
    """
    # BEGIN SOLUTION
    value = math.pi * r * r
    return value * scale
    # END SOLUTION


class Shape:
    def side(self, n: int) -> int:
        """One side."""
        # BEGIN SOLUTION
        return _helper(n) + cmath.pi.real
        # END SOLUTION
'''


def _run(stub: str) -> dict:
    namespace: dict = {}
    exec(compile(stub, "toy.py", "exec", dont_inherit=True), namespace)
    return namespace


def test_function_body_becomes_not_implemented():
    """A function's region becomes a YOUR CODE HERE comment and a NotImplementedError naming it."""
    stub = strip_solutions(TOY, "toy.py")
    assert "math.pi * r * r" not in stub
    expected = (
        '    # YOUR CODE HERE\n    raise NotImplementedError("area is not implemented yet")\n'
    )
    assert expected in stub
    with pytest.raises(NotImplementedError, match="area is not implemented yet"):
        _run(stub)["area"](2.0)


def test_method_body_keeps_its_deeper_indentation():
    """A region inside a method is replaced at the method body's indentation."""
    stub = strip_solutions(TOY, "toy.py")
    assert '        raise NotImplementedError("side is not implemented yet")' in stub
    with pytest.raises(NotImplementedError, match="side"):
        _run(stub)["Shape"]().side(3)


def test_signature_and_docstring_are_byte_identical():
    """The def line, type hints and docstring survive exactly."""
    stub = strip_solutions(TOY, "toy.py")
    block = (
        'def area(r: float, scale: float = 1.0) -> float:\n'
        '    """Area of a circle.\n\n    Args:\n        r: radius.\n    """\n'
    )
    assert block in stub
    area = _run(stub)["area"]
    assert str(inspect.signature(area)) == "(r: float, scale: float = 1.0) -> float"


def test_column_zero_regions_are_deleted():
    """Private helpers and solution-only imports at column 0 vanish with their markers."""
    stub = strip_solutions(TOY, "toy.py")
    assert "_helper" not in stub.split("class Shape")[0]
    assert "import cmath" not in stub
    assert "SOLUTION" not in stub
    assert "_helper" not in _run(stub)


def test_module_docstring_and_public_imports_stay_and_blank_runs_collapse():
    """The module head is kept and deleted regions never leave over two blank lines."""
    stub = strip_solutions(TOY, "toy.py")
    assert stub.startswith('"""A toy module."""\n\nimport math\n\n\ndef area(')
    assert "\n\n\n\n" not in stub
    assert stub.endswith("\n") and not stub.endswith("\n\n")


def test_source_without_markers_is_unchanged():
    """A module with no solution regions comes back as it was."""
    source = '"""Doc."""\n\n\ndef f(x: int) -> int:\n    """Double."""\n    return 2 * x\n'
    assert strip_solutions(source, "plain.py") == source


@pytest.mark.parametrize(
    ("source", "line", "words"),
    [
        ("def f():\n    # BEGIN SOLUTION\n    return 1\n", 2, "never closed"),
        ("def f():\n    return 1\n    # END SOLUTION\n", 3, "without a matching"),
        ("def f():\n    # BEGIN SOLUTION\n    # BEGIN SOLUTION\n    return 1\n"
         "    # END SOLUTION\n    # END SOLUTION\n", 3, "inside the region"),
        ("def f():\n    # BEGIN SOLUTION\n    return 1\n# END SOLUTION\n", 4, "indented"),
        ("if True:\n    # BEGIN SOLUTION\n    x = 1\n    # END SOLUTION\n", 2, "outside any"),
    ],
    ids=["unclosed", "unopened", "nested", "mismatched-indent", "outside-function"],
)
def test_bad_markers_raise_value_error_with_file_and_line(source, line, words):
    """Unbalanced, nested or misplaced markers raise ValueError naming file and line."""
    with pytest.raises(ValueError, match=rf"^bad\.py:{line}: .*{words}"):
        strip_solutions(source, "bad.py")


def test_invalid_python_is_a_value_error():
    """A reference that does not parse is reported as ValueError with its file."""
    with pytest.raises(ValueError, match=r"broken\.py:1:"):
        strip_solutions("def f(:\n", "broken.py")
