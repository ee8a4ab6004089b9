"""The functions a notebook's kernel holds now, seen through the grader's plain-data proxy.

``check("conv_forward")`` in a cell must test the code the student just ran,
so the functions come from the kernel's namespace (passed in, or IPython's user
namespace), never from a file. Values still make the wire-format round trip of
grading, so a value that grading would refuse fails here too.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Mapping
from typing import Any

from autograder.sandbox.local import round_trip
from autograder.sandbox.proxy import MissingCode, StudentRaised


def kernel_namespace() -> Mapping[str, Any]:
    """IPython's user namespace (the globals of the notebook's cells).

    Raises:
        RuntimeError: not inside IPython; the message says to pass ``globals()``.
    """
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        raise RuntimeError(
            "not running in Jupyter or IPython: pass your functions' namespace, "
            'e.g. check("conv_forward", globals())'
        )
    return shell.user_ns


class NamespaceProxy:
    """Calls the student's functions found by name in ``namespace``."""

    isolation = "none: self-check in the student's own kernel"

    def __init__(self, namespace: Mapping[str, Any]) -> None:
        self.namespace = namespace
        self.last_output = ""

    def call(self, module: str, function: str, *args: Any, **kwargs: Any) -> Any:
        """Call ``function(*args, **kwargs)``; return plain data as the grader sees it."""
        target = self.namespace.get(function)
        if not callable(target):
            raise MissingCode(
                f"{function} is not defined in this kernel yet: run the cell that defines it"
            )
        try:
            value = target(*args, **kwargs)
        except (Exception, SystemExit) as exc:  # Ctrl-C (KeyboardInterrupt) still stops a check
            frames = traceback.extract_tb(exc.__traceback__)[1:]  # drop this frame
            trace = "".join(traceback.format_list(frames[-5:]))
            raise StudentRaised(type(exc).__name__, str(exc), "", trace) from exc
        return round_trip(value)
