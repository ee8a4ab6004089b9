"""Code fingerprints that survive renaming, comments, formatting and statement order.

Each function is parsed (nothing runs), every local name becomes one
placeholder, docstrings and comments vanish with the AST, and the statements
of every block are sorted by their normalised text, so reordering independent
statements changes nothing. The token stream of what remains is cut into
k-grams whose hashes are winnowed (Schleimer, Wilkerson and Aiken, 2003): the
minimum of every window is kept, so any shared run of ``K + W - 1`` tokens is
guaranteed to leave a common fingerprint. Each fingerprint remembers the
source lines it came from, for highlighting.
"""

from __future__ import annotations

import ast
import builtins
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field

K = 8  # tokens per k-gram
W = 4  # k-grams per winnowing window
_KEEP = frozenset(dir(builtins)) | {"np", "numpy", "keras", "tf", "layers", "math"}
_TOKEN = re.compile(r"[A-Za-z_]\w*|\d+(?:\.\d*)?|\S")


@dataclass
class Fingerprints:
    """A file's winnowed hashes, each with the lines (1-based) that produced it."""

    lines: dict[int, set[int]] = field(default_factory=dict)

    @property
    def hashes(self) -> set[int]:
        return set(self.lines)


class _Normalise(ast.NodeTransformer):
    def visit_Name(self, node: ast.Name) -> ast.AST:
        return ast.copy_location(
            ast.Name(id=node.id if node.id in _KEEP else "v", ctx=node.ctx), node
        )

    def visit_arg(self, node: ast.arg) -> ast.AST:
        return ast.copy_location(ast.arg(arg="v", annotation=None), node)

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        # Strings are messages and names; their wording says nothing about the algorithm.
        value = "s" if isinstance(node.value, str) else node.value
        return ast.copy_location(ast.Constant(value=value), node)


def _body_fields(node: ast.AST) -> Iterable[str]:
    return [f for f in ("body", "orelse", "finalbody") if isinstance(getattr(node, f, None), list)]


def _strip_docstring(body: list[ast.stmt]) -> list[ast.stmt]:
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        return body[1:]
    return body


def _statement_tokens(stmt: ast.stmt) -> list[tuple[str, int]]:
    """Tokens of one statement, each with its source line; nested blocks sorted too."""
    line = stmt.lineno
    children = [f for f in _body_fields(stmt) if getattr(stmt, f)]
    if not children:
        text = ast.unparse(_Normalise().visit(stmt))
        return [(tok, line) for tok in _TOKEN.findall(text)]
    header = ast.unparse(_Normalise().visit(_header_only(stmt))).split("\n", 1)[0]
    tokens = [(tok, line) for tok in _TOKEN.findall(header)]
    for name in children:
        tokens.append((f"<{name}>", line))
        tokens += _block_tokens(_strip_docstring(getattr(stmt, name)))
    return tokens


def _header_only(stmt: ast.stmt) -> ast.stmt:
    clone = ast.parse(ast.unparse(stmt)).body[0]
    for name in _body_fields(clone):
        setattr(clone, name, [ast.Pass()] if name == "body" else [])
    if isinstance(clone, ast.Try):
        clone.handlers = []
    return clone


def _block_tokens(body: list[ast.stmt]) -> list[tuple[str, int]]:
    pieces = [_statement_tokens(stmt) for stmt in body]
    pieces.sort(key=lambda toks: " ".join(t for t, _ in toks))
    return [tok for piece in pieces for tok in piece]


def function_tokens(source: str) -> list[list[tuple[str, int]]]:
    """The normalised token stream of each function in ``source`` (none if it does not parse)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return []
    streams = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            body = _strip_docstring(node.body)
            if body:
                streams.append(_block_tokens(body))
    return streams


def _hash(tokens: Iterable[str]) -> int:
    return zlib.crc32("\x1f".join(tokens).encode())


def winnow(tokens: list[tuple[str, int]], result: Fingerprints) -> None:
    """Add the winnowed k-gram hashes of ``tokens`` to ``result``."""
    if len(tokens) < K:
        if tokens:
            result.lines.setdefault(_hash(t for t, _ in tokens), set()).update(
                line for _, line in tokens)
        return
    grams = [
        (_hash(t for t, _ in tokens[i:i + K]), {line for _, line in tokens[i:i + K]})
        for i in range(len(tokens) - K + 1)
    ]
    chosen = -1
    for start in range(max(1, len(grams) - W + 1)):
        window = range(start, min(start + W, len(grams)))
        best = min(window, key=lambda i: (grams[i][0], -i))  # rightmost minimum
        if best != chosen:
            chosen = best
            value, lines = grams[best]
            result.lines.setdefault(value, set()).update(lines)


def fingerprint_files(files: dict[str, str]) -> dict[str, Fingerprints]:
    """Fingerprints per file name of a submission's Python modules."""
    found = {}
    for name, text in files.items():
        prints = Fingerprints()
        for stream in function_tokens(text):
            winnow(stream, prints)
        found[name] = prints
    return found
