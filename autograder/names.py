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
