"""A student's quiz answers: reading ``answers.toml``, then each value in canonical form.

Every value becomes a set of letters, a float or a tuple of ints before any
comparison, so no object a student made is ever asked whether it equals
anything; a value that cannot be read raises :class:`Malformed`.
"""

from __future__ import annotations

import math
import re
import tomllib
from numbers import Real
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from autograder.quiz.files import Question

_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")


class Malformed(Exception):
    """A value that cannot be read as an answer of the question's kind."""


def parse_answers_toml(text: str) -> tuple[dict[str, object], list[str]]:
    """Parse a student's ``answers.toml``; never raises.

    Returns:
        The answers by id and a list of error messages (empty when the text parsed).
    """
    if isinstance(text, bytes | bytearray):
        text = bytes(text).decode("utf-8", errors="replace")
    if not isinstance(text, str):
        return {}, ["answers.toml could not be read as text"]
    try:
        return tomllib.loads(text.removeprefix("\ufeff")), []
    except tomllib.TOMLDecodeError as exc:
        end = f"at the end of the file, line {text.count(chr(10)) + 1}"
        return {}, [
            f"answers.toml is not valid TOML: {str(exc).replace('at end of document', end)}. "
            "Every answer is one line "
            'id = value, e.g. conv_advantages = "b"; letters and shapes need double quotes. '
            "No quiz answer was read, so every question counts as unanswered."
        ]


def is_blank(value: object) -> bool:
    """Whether an answer is absent: None, blank text or an empty list."""
    if value is None:
        return True
    if isinstance(value, str):
        return not str(value).strip()
    return isinstance(value, list | tuple | set | frozenset) and len(value) == 0


def letters(value: object, options: dict[str, str]) -> frozenset[str]:
    """The option letters an answer names, by letter or by the option's text, as a set."""
    if isinstance(value, str):
        parts = [str(value)]
    elif isinstance(value, list | tuple | set | frozenset):
        parts = list(value)
        if not all(isinstance(p, str) for p in parts):
            raise Malformed("a list of answers may only hold letters in quotes")
        parts = [str(p) for p in parts]
    else:
        raise Malformed(f"got {kind_of(value)}, not letters")
    letters: set[str] = set()
    for part in parts:
        if (written := _option_named(part, options)) is not None:
            letters.add(written)
            continue
        for token in re.split(r"[\s,;/&+]+", re.sub(r"[()\[\]{}.'\"]", " ", part.lower())):
            if token and all(ch in options for ch in token):
                letters.update(token)
            elif token:
                raise Malformed(f"{token!r} is not one of the options {', '.join(options)}")
    if not letters:
        raise Malformed("no option letter found")
    return frozenset(letters)


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text.lower()).split())


# Ways of writing out an "All of the above." option in full.
_ALL_OF_THE_ABOVE = {"all of the above", "all the above", "all above", "all of them"}


def _option_named(part: str, options: dict[str, str]) -> str | None:
    """The letter of the option whose text ``part`` writes out ("all of the above", "d) ...")."""
    words = _words(part)
    labelled = re.fullmatch(r"([a-z]) (.+)", words)
    for letter, text in options.items():
        option = _words(text)
        if words == option or (words in _ALL_OF_THE_ABOVE and option in _ALL_OF_THE_ABOVE):
            return letter
        if labelled and labelled[1] == letter and labelled[2] == option:
            return letter
    return None


def number(value: object) -> float:
    """A numeric answer as a finite float (thousands separators and spaces allowed)."""
    if isinstance(value, bool):
        raise Malformed("true/false is not a number")
    if isinstance(value, Real):
        number = float(value)
    elif isinstance(value, str):
        text = re.sub(r"[\s_\u202f\u00a0]", "", str(value))
        if "," in text and not _GROUPED.match(text):
            raise Malformed(f"{display(value)} uses commas other than as thousands separators")
        try:
            number = float(text.replace(",", ""))
        except ValueError:
            raise Malformed(f"{display(value)} is not a number") from None
    else:
        raise Malformed(f"got {kind_of(value)}, not a number")
    if not math.isfinite(number):
        raise Malformed("the number must be finite")
    return number


def dimension(item: object) -> int | None:
    """One dimension of a shape answer as an int; None for a ``None`` batch size."""
    if item is None or (isinstance(item, str) and str(item).strip().lower() == "none"):
        return None
    if isinstance(item, str) and str(item).strip().isdigit():
        return int(str(item).strip())
    if isinstance(item, int) and not isinstance(item, bool):
        return int(item)
    if isinstance(item, float) and float(item).is_integer():
        return int(item)
    raise Malformed(f"{display(item)} is not a whole-number dimension")


def shape(value: object) -> tuple[tuple[int, ...], bool]:
    """A shape as a tuple of ints, and whether a leading ``None`` batch size was dropped."""
    if isinstance(value, str):
        text = str(value).strip().lower().replace("×", "x").replace("*", "x")
        items: list[object] = [t for t in re.split(r"[\s,x()\[\]]+", text) if t]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise Malformed(f"got {kind_of(value)}, not a shape")
    read = [dimension(item) for item in items]
    dropped = bool(read) and read[0] is None
    dims = [d for d in read[1 if dropped else 0 :] if d is not None]
    if not dims or len(dims) != len(read) - dropped:
        raise Malformed("only a leading None (the batch size) may stand for a dimension")
    if min(dims) < 1:
        raise Malformed("every dimension must be at least 1")
    return tuple(dims), dropped


def canonical(q: Question, value: object) -> Any:
    """The answer ``value`` in the canonical form of ``q``'s kind, compared with the key."""
    if q.kind in ("choice", "multi"):
        return letters(value, q.options)
    if q.kind == "numeric":
        return number(value)
    return shape(value)[0]


def kind_of(value: object) -> str:
    """What kind of value a student wrote, in words ("a table", "text"), for messages."""
    names = {dict: "a table", list: "a list", tuple: "a list", str: "text", bool: "true/false"}
    return names.get(type(value), f"a value of type {type(value).__name__}")


def display(value: object, limit: int = 60) -> str:
    """A short, safe rendering of a student value (never calls the value's own methods)."""
    if isinstance(value, str):
        text = " ".join(str(value).split())
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif type(value) in (int, float):
        text = repr(value)
    elif type(value) in (list, tuple, set, frozenset):
        items = list(value)[:8]  # type: ignore[call-overload]
        text = "[" + ", ".join(display(v, limit) for v in items) + "]"
    else:
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def show(kind: str, canonical: Any) -> str:
    """A canonical answer as a student would write it, for feedback."""
    if kind in ("choice", "multi"):
        return ", ".join(sorted(canonical))
    if kind == "numeric":
        # Every digit the student gave is shown: a decimal answer is never rounded to a whole.
        return f"{int(canonical):,}" if float(canonical).is_integer() else f"{canonical:.15g}"
    return "x".join(str(d) for d in canonical)
