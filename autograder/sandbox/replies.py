"""What a child's reply means to the grader: the plain value it carries, or the error to raise.

A reply was written next to student code, so every field of it is checked for
type before use and any text from it is cut short; a child that ended instead
of replying becomes a timeout (its CPU limit) or a crash naming the function.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.sandbox.limits import CPU_LIMIT_EXIT
from autograder.sandbox.protocol import ProtocolError, decode
from autograder.sandbox.proxy import (
    BadReturn,
    CallTimeout,
    ChildCrashed,
    MissingCode,
    StudentRaised,
)


class ChildEnded(Exception):
    """The child process ended; ``frame`` is the keeper's report of how."""

    def __init__(self, frame: dict[str, Any]) -> None:
        super().__init__(exit_text(frame))
        self.frame = frame


def reply_value(reply: dict[str, Any], arrays: dict[str, np.ndarray], output: str) -> Any:
    """The value a call returned, decoded to plain data.

    Raises:
        StudentRaised: the student's code raised; MissingCode: the function is
            not there; BadReturn: the value is not plain data or the reply is odd.
    """
    status = reply.get("status")
    if status == "ok":
        try:
            return decode(reply.get("value"), arrays)
        except ProtocolError as exc:
            raise BadReturn(str(exc), output) from exc
    message = capped(reply.get("message", ""))
    if status == "raised":
        raise StudentRaised(
            capped(reply.get("type"), 200), message, output, capped(reply.get("trace"))
        )
    if status == "missing":
        raise MissingCode(message, output)
    raise BadReturn(message or "the reply could not be understood", output)


def capped(value: Any, limit: int = 4000) -> str:
    """Text from a reply, which student code may have written: a string, never a long one."""
    if type(value) is str:
        return value[:limit]
    return "" if value is None else type(value).__name__


def exit_text(frame: dict[str, Any]) -> str:
    """How the child ended, from the keeper's exit report, in a few words."""
    if "message" in frame:
        return capped(frame["message"])
    if "signal" in frame:
        return f"killed by {frame['signal']}"
    if "code" in frame:
        return f"exited with code {frame['code']}"
    return "ended unexpectedly"


def exit_error(
    function: str, frame: dict[str, Any], cpu_seconds: int, output: str
) -> CallTimeout | ChildCrashed:
    """The error for a child that ended while running ``function`` (``cpu_seconds`` its limit)."""
    if frame.get("signal") == "SIGXCPU" or frame.get("code") == CPU_LIMIT_EXIT:
        return CallTimeout(f"{function} used more than {cpu_seconds} s of CPU time", output)
    if frame.get("signal") == "SIGSEGV":
        return ChildCrashed(
            f"{function} crashed with a segmentation fault (runaway recursion overflows the "
            "stack)", output
        )
    return ChildCrashed(f"{function} ended the process running it ({exit_text(frame)})", output)
