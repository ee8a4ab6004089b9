"""Notebook cells to one module source: definitions kept, everything else never runs."""

from __future__ import annotations

import json

import nbformat
import pytest

from autograder.load.notebook_source import cells_source, notebook_source

ADD = "def add(a, b):\n    return a + b\n"


def _run(source: str) -> dict[str, object]:
    """Execute a produced module source and return its namespace."""
    namespace: dict[str, object] = {"__name__": "notebook_module"}
    exec(compile(source, "notebook_module.py", "exec"), namespace)
    return namespace


def _cells(*texts: str) -> list[tuple[int, str]]:
    return list(enumerate(texts, start=1))


def test_training_and_side_effects_never_run(tmp_path):
    """Loops, file writes and calls at top level are dropped; definitions still work."""
    marker = tmp_path / "trained"
    result = cells_source(
        _cells(
            "import math",
            ADD,
            f"open({str(marker)!r}, 'w').write('x')\nwhile True:\n    pass",
            "history = add(1, 2)\nprint(history)\nLIMIT = 3\nSIZES: tuple = (1, 2)",
        ),
        "nb",
    )
    namespace = _run(result.source)
    assert not marker.exists()
    assert namespace["add"](2, 3) == 5 and namespace["LIMIT"] == 3
    assert namespace["SIZES"] == (1, 2) and "history" not in namespace
    assert result.defined == {"add"} and result.errors == []


def test_magics_and_shell_lines_are_skipped():
    """IPython line magics, shell escapes and foreign cell magics do not stop a cell."""
    result = cells_source(
        _cells(
            "%matplotlib inline\n!pip install foo\n" + ADD,
            "%%bash\nrm -rf /\n",
            "%%time\ndef twice(x):\n    return 2 * x\n",
        ),
        "nb",
    )
    namespace = _run(result.source)
    assert namespace["add"](1, 1) == 2 and namespace["twice"](4) == 8
    assert "rm -rf" not in result.source
    assert any("cell 2" in w and "%%bash" in w for w in result.warnings)


def test_a_cell_with_a_syntax_error_is_skipped_by_number():
    """A broken cell is named in a warning; the cells around it are kept."""
    result = cells_source(_cells(ADD, "def broken(:\n    pass", "K = 1"), "nb")
    assert any(w.startswith("cell 2 has a syntax error") for w in result.warnings)
    namespace = _run(result.source)
    assert "add" in namespace and namespace["K"] == 1


def test_missing_package_does_not_break_the_module():
    """An import of a package the grader lacks is guarded and warned about."""
    result = cells_source(_cells("import numpy as np\nimport no_such_package_xyz", ADD), "nb")
    namespace = _run(result.source)
    assert "np" in namespace and namespace["add"](1, 2) == 3
    assert any("no_such_package_xyz" in w for w in result.warnings)


def test_definition_using_a_dropped_variable_costs_only_itself():
    """A default value computed by a dropped cell loses that function, not the others."""
    result = cells_source(
        _cells(
            "import random\nSCALE = random.random()",
            "def scaled(x, s=SCALE):\n    return x * s",
            ADD,
        ),
        "nb",
    )
    namespace = _run(result.source)
    assert "scaled" not in namespace and namespace["add"](1, 1) == 2
    assert any("scaled uses SCALE" in w for w in result.warnings)


def test_function_that_does_not_compile_is_skipped():
    """A definition that parses but cannot compile (a stray await) is dropped with a warning."""
    result = cells_source(_cells("def waits():\n    await thing()\n", ADD), "nb")
    namespace = _run(result.source)
    assert "waits" not in namespace and "add" in namespace
    assert any("waits does not compile" in w for w in result.warnings)


def test_future_imports_are_hoisted():
    """A __future__ import in a later cell still compiles: it moves to the top."""
    result = cells_source(
        _cells(ADD, "from __future__ import annotations\ndef f(x: Nope): ..."), "nb"
    )
    namespace = _run(result.source)
    assert callable(namespace["f"])


class TestQuizAnswers:
    def test_literal_dict_and_item_updates(self):
        """QUIZ_ANSWERS is read from literals, including later per-item assignments."""
        result = cells_source(
            _cells("QUIZ_ANSWERS = {'a': 'b', 'n': 3}", "QUIZ_ANSWERS['n'] = 456"), "nb"
        )
        assert result.answers == {"a": "b", "n": 456} and result.errors == []

    def test_answers_are_never_executed(self, tmp_path):
        """A computed QUIZ_ANSWERS is refused rather than evaluated."""
        marker = tmp_path / "ran"
        result = cells_source(_cells(f"QUIZ_ANSWERS = dict(a=open({str(marker)!r}, 'w'))"), "nb")
        assert not result.answers and not marker.exists()
        assert "plain dict of literal values" in result.errors[0]

    @pytest.mark.parametrize(
        ("cell", "message"),
        [
            ("QUIZ_ANSWERS = ['a', 'b']", "must be a dict, not a list"),
            ("QUIZ_ANSWERS = {1: 'a', 'ok': 'b'}", "keys must be question ids"),
            ("QUIZ_ANSWERS = {}\nQUIZ_ANSWERS['x'] = len('ab')", "must be a literal value"),
        ],
    )
    def test_malformed_answers_are_errors(self, cell, message):
        """Answers that are not a dict of literals are reported clearly."""
        result = cells_source(_cells(cell), "nb")
        assert any(message in e for e in result.errors)


class TestNotebookFiles:
    def test_reads_code_cells_and_numbers_them_by_position(self):
        """Markdown cells count in the cell numbers; only code cells are read."""
        notebook = nbformat.v4.new_notebook()
        notebook.cells = [
            nbformat.v4.new_markdown_cell("# Title"),
            nbformat.v4.new_code_cell("def f(:"),
            nbformat.v4.new_code_cell(ADD),
        ]
        result = notebook_source(nbformat.writes(notebook), "hw.ipynb")
        assert result.defined == {"add"}
        assert any(w.startswith("cell 2 ") for w in result.warnings)

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ('{"cells": [', "invalid JSON"),
            (
                json.dumps({"cells": "nope", "nbformat": 4, "nbformat_minor": 5, "metadata": {}}),
                "notebook",
            ),
            ("[1, 2]", "notebook"),
        ],
    )
    def test_broken_notebooks_are_errors(self, text, message):
        """Invalid JSON or an invalid notebook structure gives an error and no code."""
        result = notebook_source(text, "hw.ipynb")
        assert result.source == "" and result.errors and message in result.errors[0]


def test_lambda_helpers_and_constant_expressions_are_kept():
    """`window_sum = lambda ...` and `N = 28 * 28` exist at grading time, as in the notebook."""
    result = cells_source(
        _cells("import math\nwindow_sum = lambda a, w=2: a * w\nN = 28 * 28\nR = math.pi"),
        "nb",
    )
    namespace = _run(result.source)
    assert namespace["window_sum"](3) == 6 and namespace["N"] == 784
    assert namespace["R"] > 3 and result.dropped == []


def test_dropped_statements_are_listed_with_cell_and_line():
    """Calls at top level are dropped and named by cell and line, with the names they bind."""
    result = cells_source(_cells(ADD, "x = 1\nkernel = make_kernel(3)\nmodel.fit(x)"), "nb.ipynb")
    assert [(d.statement, d.where, d.binds) for d in result.dropped] == [
        ("kernel = make_kernel(...)", "nb.ipynb cell 2 line 2", ("kernel",)),
        ("model.fit(...)", "nb.ipynb cell 2 line 3", ()),
    ]


def test_quiz_arithmetic_is_read_and_huge_values_refused():
    """784 * 300 is read as 235200; 9 ** 9 ** 9 is refused with a message, never computed."""
    result = cells_source(
        _cells("QUIZ_ANSWERS = {'w': 784 * 300}", "QUIZ_ANSWERS['big'] = 9 ** 9 ** 9"), "nb"
    )
    assert result.answers == {"w": 235200}
    assert "QUIZ_ANSWERS['big']" in result.errors[0] and "too large" in result.errors[0]


def test_plain_v4_notebook_reads_like_nbformat():
    """The direct reading of a v4 notebook gives the same code as nbformat's."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("# T"), nbformat.v4.new_code_cell(ADD)]
    text = nbformat.writes(notebook)
    as_lists = json.loads(text)
    as_lists["cells"][1]["source"] = ADD.splitlines(keepends=True)
    assert notebook_source(text, "a.ipynb").source == notebook_source(
        json.dumps(as_lists), "a.ipynb"
    ).source
    assert "def add" in notebook_source(text, "a.ipynb").source
