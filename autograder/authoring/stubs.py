"""Turn a reference module into a student stub by removing its solution regions.

A region runs from a ``# BEGIN SOLUTION`` line to the next ``# END SOLUTION``
line. Inside a function the region becomes ``# YOUR CODE HERE`` and a
``NotImplementedError`` at the same indentation, so the stub still imports and
keeps its signatures and docstrings. A region whose markers sit at column 0
(private helpers) disappears entirely.
"""

from __future__ import annotations

import ast
import re

BEGIN = "# BEGIN SOLUTION"
END = "# END SOLUTION"
_BLANK_RUNS = re.compile(r"\n{4,}")


def _functions(source: str, filename: str) -> list[tuple[int, int, str]]:
    """``(first line, last line, name)`` of every function, outermost first."""
    try:
        tree = ast.parse(source, filename=filename)
    except SyntaxError as exc:
        raise ValueError(f"{filename}:{exc.lineno}: not valid Python: {exc.msg}") from exc
    spans = [
        (node.lineno, node.end_lineno or node.lineno, node.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    return sorted(spans)


def _enclosing(functions: list[tuple[int, int, str]], line: int) -> str | None:
    names = [name for first, last, name in functions if first <= line <= last]
    return names[-1] if names else None


def strip_solutions(source: str, filename: str) -> str:
    """The stub of ``source``: solution regions replaced or removed.

    Args:
        source: the reference module's text.
        filename: used in error messages only.

    Returns:
        The stub's text, ending in one newline.

    Raises:
        ValueError: for a nested, unclosed or unopened marker, markers whose
            indentation differs, or an indented region outside a function;
            the message names the file and line.
    """
    functions = _functions(source, filename)
    out: list[str] = []
    opened: tuple[int, str] | None = None  # (line number, indentation) of the open BEGIN
    for number, line in enumerate(source.splitlines(), start=1):
        marker = line.strip()
        indent = line[: len(line) - len(line.lstrip())]
        if marker == BEGIN:
            if opened is not None:
                raise ValueError(
                    f"{filename}:{number}: {BEGIN} inside the region opened on line {opened[0]}"
                )
            opened = (number, indent)
        elif marker == END:
            if opened is None:
                raise ValueError(f"{filename}:{number}: {END} without a matching {BEGIN}")
            if indent != opened[1]:
                raise ValueError(
                    f"{filename}:{number}: {END} is indented differently from the "
                    f"{BEGIN} on line {opened[0]}"
                )
            if indent:
                name = _enclosing(functions, opened[0])
                if name is None:
                    raise ValueError(
                        f"{filename}:{opened[0]}: indented {BEGIN} outside any function"
                    )
                out.append(f"{indent}# YOUR CODE HERE")
                out.append(f'{indent}raise NotImplementedError("{name} is not implemented yet")')
            opened = None
        elif opened is None:
            out.append(line)
    if opened is not None:
        raise ValueError(f"{filename}:{opened[0]}: {BEGIN} is never closed")
    text = _BLANK_RUNS.sub("\n\n\n", "\n".join(out))
    return text.strip("\n") + "\n"
