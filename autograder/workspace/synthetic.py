"""Synthetic classes of distinct submissions, for measuring and testing similarity.

Each student's functions are built from random statements (loops, slices,
NumPy calls, arithmetic), so two students share only what chance gives them;
``disguised_copy`` then makes the kind of copy a student hands in: every name
changed, comments added, statements reordered, the layout redone.
"""

from __future__ import annotations

import ast
import random

from autograder.course.table import course_table

_OPS = ("+", "-", "*", "//", "%")
_CALLS = ("np.sum", "np.max", "np.mean", "np.abs", "np.sqrt", "int", "len", "min", "max")


def _expr(rng: random.Random, names: list[str], depth: int = 0) -> str:
    roll = rng.random()
    if depth > 2 or roll < 0.25:
        return rng.choice(names) if rng.random() < 0.7 else str(rng.randint(0, 9))
    if roll < 0.45:
        return f"{rng.choice(_CALLS)}({_expr(rng, names, depth + 1)})"
    if roll < 0.6:
        return f"{rng.choice(names)}[{_expr(rng, names, depth + 1)}:{rng.randint(1, 5)}]"
    return f"({_expr(rng, names, depth + 1)} {rng.choice(_OPS)} {_expr(rng, names, depth + 1)})"


def _body(rng: random.Random, names: list[str], size: int, indent: str) -> list[str]:
    lines = []
    for _ in range(size):
        target = f"t{len(names)}"
        roll = rng.random()
        if roll < 0.15:
            loop = f"i{len(names)}"
            lines.append(f"{indent}for {loop} in range({_expr(rng, names)}):")
            lines += _body(rng, [*names, loop], 2, indent + "    ")
        elif roll < 0.25:
            lines.append(f"{indent}if {_expr(rng, names)} > {_expr(rng, names)}:")
            lines += _body(rng, names, 1, indent + "    ")
        else:
            lines.append(f"{indent}{target} = {_expr(rng, names)}")
            names.append(target)
    return lines


def exercise_functions() -> dict[str, tuple[str, ...]]:
    """The functions of each NumPy exercise file of the course table (not the Keras ones)."""
    return {e.file: e.functions for e in course_table().exercises if not e.keras}


def student_files(seed: int) -> dict[str, str]:
    """One student's modules: every exercise function with a body of its own."""
    rng = random.Random(seed)
    files = {}
    for name, functions in exercise_functions().items():
        parts = ["import numpy as np", ""]
        for function in functions:
            args = ["a", "b", "c"]
            parts.append(f"def {function}({', '.join(args)}):")
            names = list(args)
            parts += _body(rng, names, rng.randint(6, 10), "    ")
            parts += [f"    return {names[-1]}", ""]
        files[name] = "\n".join(parts) + "\n"
    return files


class _Rename(ast.NodeTransformer):
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.names: dict[str, str] = {}

    def _new(self, old: str) -> str:
        if old not in self.names:
            self.names[old] = f"{self.rng.choice(('val', 'tmp', 'acc', 'x'))}_{len(self.names)}"
        return self.names[old]

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id not in ("np", "range", "int", "len", "min", "max"):
            node.id = self._new(node.id)
        return node

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.arg = self._new(node.arg)
        return node


def disguised_copy(files: dict[str, str], seed: int) -> dict[str, str]:
    """``files`` with new names, comments, a different layout and two statements swapped."""
    rng = random.Random(seed)
    copy = {}
    for name, text in files.items():
        tree = _Rename(rng).visit(ast.parse(text))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and len(node.body) > 3:
                node.body[0], node.body[1] = node.body[1], node.body[0]
        lines = []
        for line in ast.unparse(tree).splitlines():
            lines.append(line)
            if line.strip().startswith("def "):
                lines.append('    """My own implementation."""')
            elif rng.random() < 0.2:
                lines.append(f"{line[: len(line) - len(line.lstrip())]}# step done")
        copy[name] = "\n\n".join(lines) + "\n"
    return copy


def synthetic_class(size: int, copy_of: int, seed: int = 0) -> dict[str, dict[str, str]]:
    """``size`` distinct students plus ``copy`` (a disguised copy of student ``copy_of``)."""
    students = {f"s{i:04d}": student_files(seed * 100_000 + i) for i in range(size)}
    students["copy"] = disguised_copy(students[f"s{copy_of:04d}"], seed)
    return students
