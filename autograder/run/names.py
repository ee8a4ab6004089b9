"""Names that cannot hurt: submission ids, and text bound for a terminal.

A submission's file name is chosen by a student, yet it becomes a file name in
OUT, a gradebook cell and a line on the instructor's terminal. Ids keep only
letters, digits, dot, dash and underscore, are capped in length (a cut id ends
in a short hash of the whole name, so two long names stay apart) and never
start with a character a spreadsheet reads as a formula (``= + - @``). Text
for a terminal loses every control character and escape sequence, which could
otherwise retitle the window, clear the screen or write the clipboard.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import IO

MAX_ID_LENGTH = 64
_HASH_LENGTH = 8
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Whole escape sequences first (CSI, OSC/DCS/APC/PM strings, two-byte escapes), then the rest.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|[\x1b\x9d\x90\x9f\x9e][\]P_^X][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x9b[0-?]*[ -/]*[@-~]"
    r"|\x1b[ -/]*[0-~]?"
)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_FORMULA_START = "=+-@."


def safe_id(name: str) -> str:
    """A file-name-safe id for ``name`` (a file name without its extension)."""
    cleaned = _UNSAFE.sub("_", _CONTROL.sub("", _ESCAPES.sub("", name)))
    cleaned = cleaned.lstrip(_FORMULA_START).rstrip(".")
    if len(cleaned) > MAX_ID_LENGTH:
        digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()
        head = cleaned[: MAX_ID_LENGTH - _HASH_LENGTH - 1].rstrip(".")
        cleaned = f"{head}-{digest[:_HASH_LENGTH]}"
    return cleaned or "submission"


def terminal_text(text: str) -> str:
    """``text`` without escape sequences or control characters (newlines and tabs stay)."""
    lines = _ESCAPES.sub("", str(text)).split("\n")
    return "\n".join(_CONTROL.sub("", line.replace("\t", "    ")) for line in lines)


def shown(name: object) -> str:
    """A file name as a message may quote it: printable, with odd characters escaped."""
    text = str(name)
    if text.isprintable():
        return text
    return repr(text)[1:-1]


# What rich itself writes to draw tables and a live progress bar: colours and styles,
# cursor moves within the screen, erasing a line, hiding the cursor. Nothing else
# (window titles, clipboard, screen clearing, hyperlinks) reaches the terminal.
_RICH_SEQUENCE = re.compile(r"\x1b\[[0-9;]*[mABCDGK]|\x1b\[\?25[hl]")
_ANY_CONTROL = re.compile(_ESCAPES.pattern + r"|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Lone surrogates (from undecodable file names) would make the stream's encoder raise.
_SURROGATE = re.compile("[\ud800-\udfff]")


def terminal_filter(text: str) -> str:
    """``text`` with only rich's own drawing sequences left among the control codes."""
    def keep(match: re.Match[str]) -> str:
        return match.group() if _RICH_SEQUENCE.fullmatch(match.group()) else ""

    kept = _ANY_CONTROL.sub(keep, text)
    return _SURROGATE.sub("\ufffd", kept)


class TerminalStream:
    """A text stream for a rich Console that filters what reaches the terminal.

    The target is looked up on every write, so a stream swapped in later (by a
    test runner, say) is the one written to.
    """

    def __init__(self, target: Callable[[], IO[str]]) -> None:
        self._target = target

    def _stream(self) -> IO[str]:
        target = self._target()
        # rich's live display swaps in a proxy that prints through the console: bypass it,
        # as rich does for its own consoles, or every write would come back here.
        return getattr(target, "rich_proxied_file", target)

    def write(self, text: str) -> int:
        self._stream().write(terminal_filter(text))
        return len(text)

    def flush(self) -> None:
        self._stream().flush()

    def isatty(self) -> bool:
        return self._stream().isatty()

    def fileno(self) -> int:
        return self._stream().fileno()

    @property
    def encoding(self) -> str:
        return getattr(self._stream(), "encoding", "utf-8")
