"""Every module of the package says what it is for, and so does each public function and class.

The modules are read with ``ast``, never imported, so this runs in a moment
and names the file and line of each missing docstring.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import autograder

PACKAGE = Path(autograder.__file__).parent
# Pytest modules run as course material: each test's docstring is its label in a report.
COURSE_TESTS = ("graders", "public")
MAX_LINES = 300


def _modules(skip: tuple[str, ...]) -> list[Path]:
    return sorted(
        path
        for path in PACKAGE.rglob("*.py")
        if "__pycache__" not in path.parts
        and path.relative_to(PACKAGE).parts[0] not in skip
    )


def _name(path: Path) -> str:
    return path.relative_to(PACKAGE.parent).as_posix()


def undocumented(tree: ast.Module) -> list[str]:
    """The public module-level functions and classes of ``tree`` without a docstring."""
    return [
        f"{node.name} (line {node.lineno})"
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and not node.name.startswith("_")
        and not ast.get_docstring(node)
    ]


@pytest.mark.parametrize("path", _modules(COURSE_TESTS), ids=_name)
def test_module_and_public_definitions_have_docstrings(path: Path) -> None:
    """The module has a docstring, and so has every public function and class it defines."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    assert ast.get_docstring(tree), f"{_name(path)} has no module docstring"
    assert undocumented(tree) == []


@pytest.mark.parametrize("path", _modules(()), ids=_name)
def test_modules_stay_small(path: Path) -> None:
    """No module of the package is longer than 300 lines: one job per module."""
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{_name(path)} has {lines} lines; split it by step"


def test_the_check_finds_what_is_missing() -> None:
    """A public function or class without a docstring is reported; private ones are not."""
    tree = ast.parse(
        '"""Doc."""\n'
        "def shown():\n    pass\n"
        "class Shown:\n    pass\n"
        "def _private():\n    pass\n"
        'def documented():\n    """Doc."""\n'
    )
    assert undocumented(tree) == ["shown (line 2)", "Shown (line 4)"]
