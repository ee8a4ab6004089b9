"""An in-process proxy for a student's own self-check (``convgrade check``).

On the student's own machine there is nothing to protect, so their code runs
in this process; values still make the same trip through the wire format as in
grading, so whatever would not survive grading fails here too.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from autograder.modules import load_module_group
from autograder.paths import STUDENT_MODULES
from autograder.proxy import BadReturn, MissingCode, StudentRaised
from autograder.sandbox.protocol import ProtocolError, decode, encode, pack, unpack


class LocalProxy:
    """Calls the student's functions in ``directory`` directly, returning plain data."""

    isolation = "none: self-check in the student's own process"

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        present = [m for m in STUDENT_MODULES if (directory / f"{m}.py").is_file()]
        group = load_module_group(directory, tuple(present))
        self._modules: dict[str, ModuleType] = group.modules
        self._errors: dict[str, str] = group.errors

    def call(self, module: str, function: str, *args: Any, **kwargs: Any) -> Any:
        if module in self._errors:
            raise MissingCode(f"{module}.py could not be imported: {self._errors[module]}")
        if module not in self._modules:
            raise MissingCode(f"{module}.py is missing")
        target = getattr(self._modules[module], function, None)
        if not callable(target):
            raise MissingCode(f"{module}.py has no function {function}")
        try:
            value = target(*args, **kwargs)
        except Exception as exc:
            raise StudentRaised(type(exc).__name__, str(exc)) from exc
        return round_trip(value)


def round_trip(value: Any) -> Any:
    """``value`` as the grader would receive it from a sandboxed child."""
    arrays: dict[str, np.ndarray] = {}
    try:
        header = {"value": encode(value, arrays)}
        frame = pack(header, arrays)
        head_len = int.from_bytes(frame[:8], "little")
        decoded, decoded_arrays = unpack(frame[16 : 16 + head_len], frame[16 + head_len :])
        return decode(decoded["value"], decoded_arrays)
    except ProtocolError as exc:
        raise BadReturn(str(exc)) from exc
