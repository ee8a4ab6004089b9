"""The saved notebook next to the kernel that runs it, and where each function is graded from.

``submit()`` packs files, not the kernel, so before packing it compares the
functions (and ``QUIZ_ANSWERS``) the kernel holds with the ones in the saved
notebook, by syntax tree: a student who changed a cell and did not save would
otherwise submit older work than the one they just checked.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from autograder.course.table import course_table
from autograder.load.notebook_answers import ANSWERS_NAME
from autograder.load.notebook_source import notebook_source
from autograder.load.source_scan import definitions
from autograder.load.submission import load_submission
from autograder.student.submit import SubmitReport


def _function_trees(source: str) -> dict[str, str]:
    """``ast.dump`` of every function definition in ``source``, by name."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return {}
    return {
        node.name: ast.dump(node)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def _kernel_tree(function: types.FunctionType) -> str | None:
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError, ValueError):
        return None  # defined somewhere its source cannot be found: nothing to compare
    node = tree.body[0] if tree.body else None
    return ast.dump(node) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) else None


def unsaved_changes(notebook: Path, namespace: Mapping[str, Any]) -> list[str]:
    """Names whose definition in the kernel differs from the saved ``notebook``."""
    try:
        parsed = notebook_source(notebook.read_text(encoding="utf-8-sig"), notebook.name)
    except (OSError, UnicodeDecodeError):
        return []  # submit reports an unreadable file itself
    saved = _function_trees(parsed.source)
    changed = []
    for name in course_table().all_functions:
        function = namespace.get(name)
        if not isinstance(function, types.FunctionType):
            continue
        kernel = _kernel_tree(function)
        if kernel is not None and saved.get(name) != kernel:
            changed.append(name)
    answers = namespace.get(ANSWERS_NAME)
    if isinstance(answers, dict) and _plain(answers) != _plain(parsed.answers or {}):
        changed.append(ANSWERS_NAME)
    return changed


def _plain(answers: dict[Any, Any]) -> str:
    """A comparable text of literal answers (the kernel's dict is the student's own data)."""
    return repr(sorted(answers.items(), key=repr))


def graded_from(report: SubmitReport) -> list[str]:
    """One line per exercise: which file of the written zip each function is graded from."""
    listed = getattr(report, "sources", None)
    if listed:  # the submit step names the files itself
        return [str(line) for line in listed]
    submission = load_submission(report.path)
    notebooks = ", ".join(name for name in report.files if name.endswith(".ipynb"))
    lines = []
    for module, functions in course_table().functions.items():
        text = submission.files.get(f"{module}.py")
        where = f"{module}.py" if f"{module}.py" in report.files else notebooks
        defined, stubs = definitions(text) if text is not None else (None, set())
        parts = []
        for function in functions:
            if defined is None or function not in defined:
                parts.append(f"{function} from nowhere (missing)")
            else:
                state = " (not started)" if function in stubs else ""
                parts.append(f"{function} from {where}{state}")
        lines.append(f"{module}: " + "; ".join(parts))
    return lines
