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
import zlib
from dataclasses import dataclass, field

K = 8  # tokens per k-gram
W = 4  # k-grams per winnowing window
_KEEP = frozenset(dir(builtins)) | {"np", "numpy", "keras", "tf", "layers", "math"}


@dataclass
class Fingerprints:
    """A file's winnowed hashes, each with the lines (1-based) that produced it."""

    lines: dict[int, set[int]] = field(default_factory=dict)

    @property
    def hashes(self) -> set[int]:
        return set(self.lines)


_SKIPPED_FIELDS = frozenset({"ctx", "type_comment", "annotation", "returns", "kind",
                             "type_params", "decorator_list"})
_BLOCKS = ("body", "orelse", "finalbody")


def _node_tokens(node: ast.AST, line: int, out: list[tuple[str, int]]) -> None:
    """Append the normalised tokens of an expression or a statement header."""
    line = getattr(node, "lineno", line)
    if isinstance(node, ast.Name):
        out.append((node.id if node.id in _KEEP else "v", line))
        return
    if isinstance(node, ast.arg):
        out.append(("v", line))
        return
    if isinstance(node, ast.Constant):
        # Strings are messages and names; their wording says nothing about the algorithm.
        out.append(("s" if isinstance(node.value, str) else repr(node.value), line))
        return
    out.append((type(node).__name__, line))
    renamed = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    for name, value in ast.iter_fields(node):
        if name in _SKIPPED_FIELDS or (name in _BLOCKS and isinstance(node, ast.stmt)):
            continue
        if isinstance(value, ast.AST):
            _node_tokens(value, line, out)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, ast.AST):
                    _node_tokens(item, line, out)
        elif isinstance(value, str):
            out.append(("v" if renamed and name == "name" else value, line))


def _strip_docstring(body: list[ast.stmt]) -> list[ast.stmt]:
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        return body[1:]
    return body


def _statement_tokens(stmt: ast.stmt) -> list[tuple[str, int]]:
    """Tokens of one statement, each with its source line; nested blocks sorted too."""
    tokens: list[tuple[str, int]] = []
    _node_tokens(stmt, stmt.lineno, tokens)
    for name in _BLOCKS:
        block = getattr(stmt, name, None)
        if isinstance(block, list) and block:
            tokens.append((f"<{name}>", stmt.lineno))
            tokens += _block_tokens(_strip_docstring(block))
    return tokens


def _block_tokens(body: list[ast.stmt]) -> list[tuple[str, int]]:
    pieces = [_statement_tokens(stmt) for stmt in body]
    pieces.sort(key=lambda toks: "\x1f".join(t for t, _ in toks))
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


_IDS: dict[str, int] = {}


def _token_id(token: str) -> int:
    # crc32, not hash(): string hashes change between processes, fingerprints must not.
    found = _IDS.get(token)
    if found is None:
        found = _IDS[token] = zlib.crc32(token.encode())
    return found


def winnow(tokens: list[tuple[str, int]], result: Fingerprints) -> None:
    """Add the winnowed k-gram hashes of ``tokens`` to ``result``."""
    ids = [_token_id(t) for t, _ in tokens]
    if len(ids) < K:
        if ids:
            result.lines.setdefault(hash(tuple(ids)), set()).update(line for _, line in tokens)
        return
    # A tuple of ints hashes the same in every process, unlike a string.
    grams = [hash(tuple(ids[i:i + K])) for i in range(len(ids) - K + 1)]
    chosen = -1
    for start in range(max(1, len(grams) - W + 1)):
        window = grams[start:start + W]
        low = min(window)
        best = start + len(window) - 1 - window[::-1].index(low)  # rightmost minimum
        if best != chosen:
            chosen = best
            result.lines.setdefault(low, set()).update(
                line for _, line in tokens[best:best + K])


def fingerprint_files(files: dict[str, str]) -> dict[str, Fingerprints]:
    """Fingerprints per file name of a submission's Python modules."""
    found = {}
    for name, text in files.items():
        prints = Fingerprints()
        for stream in function_tokens(text):
            winnow(stream, prints)
        found[name] = prints
    return found
