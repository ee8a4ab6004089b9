"""An in-process proxy for a student's own self-check (``convgrade check``).

On the student's own machine there is nothing to protect, so their code runs
in this process; values still make the same trip through the wire format as in
grading, so whatever would not survive grading fails here too.
"""

from __future__ import annotations

import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from autograder.course.table import course_table
from autograder.load.modules import load_module_group
from autograder.sandbox.protocol import FrameReader, ProtocolError, decode, encode, pack
from autograder.sandbox.proxy import BadReturn, MissingCode, StudentRaised


class LocalProxy:
    """Calls the student's functions in ``directory`` directly, returning plain data."""

    isolation = "none: self-check in the student's own process"

    def __init__(self, directory: Path, names: tuple[str, ...] | None = None) -> None:
        """``names``: the student modules to load (default: every exercise of the course)."""
        names = course_table().names if names is None else names
        self.directory = directory
        self.last_output = ""
        group = load_module_group(directory, names)
        self._modules: dict[str, ModuleType] = group.modules
        self._errors: dict[str, str] = group.errors

    def call(self, module: str, function: str, *args: Any, **kwargs: Any) -> Any:
        """Call ``module.function(*args, **kwargs)``; return plain data as the grader sees it."""
        if module not in self._modules:
            raise MissingCode(self._errors.get(module, f"{module}.py is missing"))
        target = getattr(self._modules[module], function, None)
        if not callable(target):
            raise MissingCode(f"{module}.py has no function {function}")
        try:
            value = target(*args, **kwargs)
        except (Exception, SystemExit) as exc:  # Ctrl-C still stops the self-check
            frames = traceback.extract_tb(exc.__traceback__)[1:]  # drop this frame
            trace = "".join(traceback.format_list(frames[-5:]))
            raise StudentRaised(type(exc).__name__, str(exc), "", trace) from exc
        return round_trip(value)


def round_trip(value: Any) -> Any:
    """``value`` as the grader would receive it from a sandboxed child."""
    arrays: dict[str, np.ndarray] = {}
    try:
        frame = pack({"value": encode(value, arrays)}, arrays)
        reader = FrameReader()
        reader.feed(frame)
        header, received = reader.frames.popleft()
        return decode(header["value"], received)
    except ProtocolError as exc:
        raise BadReturn(str(exc)) from exc
    except (TypeError, ValueError) as exc:  # e.g. a string JSON cannot carry
        raise BadReturn(f"the value cannot be sent as plain data: {exc}") from exc
