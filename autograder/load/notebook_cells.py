"""Reading a notebook: its numbered code cells, each parsed with IPython syntax set aside.

Nothing in a cell runs here. A well-formed notebook is read straight from its
JSON; anything unusual goes through nbformat, whose messages say what is wrong.
"""

from __future__ import annotations

import ast
import json
import re

import nbformat

# Cell magics whose body is not Python: the whole cell is skipped.
_FOREIGN_CELL_MAGICS = frozenset(
    {
        "bash",
        "sh",
        "script",
        "html",
        "javascript",
        "js",
        "latex",
        "markdown",
        "svg",
        "perl",
        "ruby",
        "sql",
        "writefile",
        "file",
        "system",
        "sx",
    }
)
# Line magics (%), shell escapes (!) and help requests (?x, x?) are not Python.
_MAGIC_LINE = re.compile(r"^\s*[%!?]|\?\s*$")
# What ast.parse and compile raise on odd input, besides SyntaxError itself.
SYNTAX_ERRORS = (SyntaxError, ValueError, RecursionError, MemoryError)


class UnreadableNotebook(ValueError):
    """Text that is not a notebook; the message names the file and the problem."""


def code_cells(text: str, name: str) -> list[tuple[int, str]]:
    """The code cells of notebook JSON ``text`` (called ``name`` in messages), numbered.

    Cells are numbered by their position in the notebook, markdown cells
    included, so "cell 7" is the seventh cell from the top.

    Raises:
        UnreadableNotebook: the text is not JSON, or not a valid notebook.
    """
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise UnreadableNotebook(
            f"{name} is not a readable notebook: invalid JSON ({exc})"
        ) from exc
    plain = _plain_cells(data)
    if plain is not None:
        return plain
    captured: dict[str, Exception] = {}
    try:
        notebook = nbformat.reads(text, as_version=4, capture_validation_error=captured)
    except Exception as exc:  # nbformat raises many kinds on malformed structure
        raise UnreadableNotebook(f"{name} is not a readable notebook: {error_text(exc)}") from exc
    if captured:
        problem = error_text(next(iter(captured.values())))
        raise UnreadableNotebook(f"{name} is not a valid notebook: {problem}")
    return [
        (number, cell.source)
        for number, cell in enumerate(notebook.cells, start=1)
        if cell.cell_type == "code"
    ]


def _plain_cells(data: object) -> list[tuple[int, str]] | None:
    """The numbered code cells of a well-formed v4 notebook, else None.

    Reading them directly spares nbformat's schema validation (a third of a
    second to compile, per process), which ``check`` would pay on every bundle;
    anything unusual goes through nbformat and its messages.
    """
    if not isinstance(data, dict) or data.get("nbformat") != 4:
        return None
    cells = data.get("cells")
    if not isinstance(cells, list):
        return None
    found: list[tuple[int, str]] = []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            return None
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            source = "".join(source)
        if not isinstance(source, str):
            return None
        if cell["cell_type"] == "code":
            found.append((number, source))
    return found


def parse_cell(number: int, text: str, warnings: list[str]) -> ast.Module | None:
    """Cell ``number`` parsed, IPython magics set aside; None, with a warning, if it cannot be."""
    try:
        return ast.parse(text)
    except SYNTAX_ERRORS:
        pass  # most often IPython syntax; strip it below and try again
    lines = text.splitlines()
    first = lines[0].strip() if lines else ""
    if first.startswith("%%"):
        magic = first[2:].split(maxsplit=1)[0] if first[2:].strip() else ""
        if magic in _FOREIGN_CELL_MAGICS:
            warnings.append(f"cell {number} is a %%{magic} cell, not Python; it was skipped")
            return None
    # A magic line becomes `pass` so indented blocks and line numbers stay intact.
    cleaned = "\n".join(
        line[: len(line) - len(line.lstrip())] + "pass" if _MAGIC_LINE.search(line) else line
        for line in lines
    )
    try:
        return ast.parse(cleaned)
    except SyntaxError as exc:
        warnings.append(
            f"cell {number} has a syntax error on line {exc.lineno}: {exc.msg}; it was skipped"
        )
    except SYNTAX_ERRORS as exc:
        warnings.append(f"cell {number} could not be parsed ({error_text(exc)}); it was skipped")
    return None


def error_text(exc: BaseException, limit: int = 300) -> str:
    """An exception's message on one line, cut to ``limit`` characters."""
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
