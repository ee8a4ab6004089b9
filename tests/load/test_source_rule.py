"""The source rule: per function, an implemented definition wins over a stub wherever it is."""

from __future__ import annotations

from pathlib import Path

from autograder.load.modules import load_module_group
from autograder.load.source_rule import (
    IMPLEMENTED,
    STUB,
    Candidate,
    function_states,
    graded_from_lines,
    merge_answers,
    resolve,
)

EXPECTED = {"shapes": ("conv_output_size", "flatten_size")}
STUBS = (
    'def conv_output_size(n, f):\n    """Doc."""\n    # YOUR CODE HERE\n'
    '    raise NotImplementedError("conv_output_size is not implemented yet")\n\n'
    "def flatten_size(shape):\n    raise NotImplementedError\n"
)
SIZE = "HELPER = 1\n\ndef conv_output_size(n, f):\n    return n - f + HELPER\n"
FLAT = "HELPER = 100\n\ndef flatten_size(shape):\n    return shape[0] * shape[1] * HELPER // 100\n"


def test_stub_and_implemented_are_told_apart():
    """A body that only raises NotImplementedError is a stub; anything more is implemented."""
    started = "\ndef started(x):\n    y = x\n    raise NotImplementedError\n"
    states = function_states(STUBS + started)
    assert {n: s for n, (s, _) in states.items()} == {
        "conv_output_size": STUB, "flatten_size": STUB, "started": IMPLEMENTED,
    }


def test_implemented_notebook_wins_over_stub_file():
    """Filled notebook next to untouched .py stubs: the notebook is graded, with no warning."""
    resolved = resolve(
        [Candidate("shapes.py", ("shapes",), STUBS),
         Candidate("notebooks/assignment.ipynb", ("shapes",), SIZE + FLAT)],
        EXPECTED,
    )
    assert resolved.graded_from["shapes"] == dict.fromkeys(EXPECTED["shapes"],
                                                           "notebooks/assignment.ipynb")
    assert resolved.implemented and resolved.warnings == []
    assert "NotImplementedError" not in resolved.files["shapes.py"]


def test_functions_from_two_places_keep_their_own_helpers(tmp_path: Path):
    """Each function runs with the constants of the file it came from."""
    resolved = resolve(
        [Candidate("shapes.py", ("shapes",), SIZE + STUBS.split("\n\n")[1]),
         Candidate("notebooks/shapes.ipynb", ("shapes",), FLAT)],
        EXPECTED,
    )
    assert graded_from_lines(resolved.graded_from) == [
        "shapes: conv_output_size from shapes.py; flatten_size from notebooks/shapes.ipynb"
    ]
    for name, text in resolved.files.items():
        (tmp_path / name).write_text(text)
    module = load_module_group(tmp_path, ("shapes",)).modules["shapes"]
    assert module.conv_output_size(28, 3) == 26 and module.flatten_size((2, 3)) == 6


def test_different_implementations_are_a_warning_naming_both():
    """The same function implemented differently in two places: first graded, both named."""
    other = SIZE.replace("n - f", "n - f - 1")
    resolved = resolve(
        [Candidate("shapes.py", ("shapes",), SIZE), Candidate("hw.ipynb", ("shapes",), other)],
        EXPECTED,
    )
    assert resolved.graded_from["shapes"]["conv_output_size"] == "shapes.py"
    assert any("shapes.py" in w and "hw.ipynb" in w and "differently" in w
               for w in resolved.warnings)


def test_only_stubs_is_not_implemented():
    """Untouched stubs everywhere leave the submission with nothing implemented."""
    resolved = resolve([Candidate("shapes.py", ("shapes",), STUBS)], EXPECTED)
    assert not resolved.implemented
    assert resolved.unfinished == ["conv_output_size", "flatten_size"]


def test_answers_merge_per_question():
    """A blank answer never hides a real one; a real clash warns and the first place wins."""
    warnings: list[str] = []
    merged = merge_answers(
        [("answers.toml", {"a": "", "b": "c"}), ("hw.ipynb", {"a": "d", "b": "a", "c": None})],
        warnings,
    )
    assert merged == {"a": "d", "b": "c", "c": None}
    assert warnings == ["quiz answer b differs in answers.toml and hw.ipynb; "
                        "the one in answers.toml is graded"]
