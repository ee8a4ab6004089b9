"""What a failing hidden test tells the student: the case, expected, got and a hint."""

from __future__ import annotations

from typing import Any


class Mismatch(AssertionError):
    """A student's answer differs from the reference on a concrete case.

    Hidden graders raise this instead of a bare ``assert`` so the result can
    show the small input, what was expected, what came back and, when a known
    mistake explains the answer, the misconception code and its hint.
    """

    def __init__(
        self,
        message: str,
        *,
        case: str | None = None,
        expected: str | None = None,
        got: str | None = None,
        misconception: str | None = None,
        hint: str | None = None,
        diff: list[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.case = case
        self.expected = expected
        self.got = got
        self.misconception = misconception
        self.hint = hint
        self.diff = list(diff or [])

    def details(self) -> dict[str, Any]:
        """The structured form stored in the result file."""
        fields = {
            "message": self.message,
            "case": self.case,
            "expected": self.expected,
            "got": self.got,
            "misconception": self.misconception,
            "hint": self.hint,
        }
        data: dict[str, Any] = {k: v for k, v in fields.items() if v is not None}
        if self.diff:
            data["diff"] = self.diff
        return data

    def render(self) -> str:
        """Plain-text feedback, the ``output`` of a Gradescope test."""
        lines = [self.message]
        if self.case is not None:
            lines.append(f"Input: {self.case}")
        if self.expected is not None:
            lines.append(f"Expected: {self.expected}")
        if self.got is not None:
            lines.append(f"Got: {self.got}")
        lines.extend(self.diff)
        if self.hint is not None:
            lines.append(f"Hint ({self.misconception}): {self.hint}" if self.misconception
                         else f"Hint: {self.hint}")
        return "\n".join(lines)
