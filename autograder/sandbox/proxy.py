"""The grader's view of a student's functions: calls that return plain data.

Hidden graders call ``proxy.call("convolution", "conv_forward", A, W, b, stride=2)``
and get back only plain data (see ``autograder.sandbox.protocol``): ``None``,
``bool``, ``int``, ``float``, ``str``, lists, string-keyed dicts, NumPy arrays of
a numeric dtype, or a :class:`KerasModelData`. Anything that goes wrong on the
student's side arrives as a :class:`StudentError` subclass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class StudentError(Exception):
    """A call into student code did not produce a usable value."""

    kind = "error"

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.output = output


class StudentRaised(StudentError):
    """The student's function raised an exception (``message`` names its type)."""

    kind = "raised"

    def __init__(self, exc_type: str, message: str, output: str = "", trace: str = "") -> None:
        super().__init__(f"{exc_type}: {message}" if message else exc_type, output)
        self.exc_type = exc_type
        self.trace = trace


class MissingCode(StudentError):
    """The module or function is missing, or its file failed to import."""

    kind = "missing"


class CallTimeout(StudentError):
    """The call ran past its wall-clock or CPU limit and was killed."""

    kind = "timeout"


class ChildCrashed(StudentError):
    """The child process died: exit, signal, memory limit, stack overflow."""

    kind = "crashed"


class BadReturn(StudentError):
    """The value could not cross as plain data, or broke the protocol."""

    kind = "bad-return"


@dataclass(frozen=True)
class KerasModelData:
    """A student's Keras model as data: its JSON config and compile config."""

    config_json: str
    compile_config: dict[str, Any] | None
    summary: dict[str, Any] | None = None


class Proxy(Protocol):
    """Anything that can call a student's function and return plain data."""

    def call(self, module: str, function: str, *args: Any, **kwargs: Any) -> Any: ...
