"""The grader's side of the sandbox: a warm zygote and per-submission sessions.

A session talks to its child through :mod:`autograder.sandbox.channel` and reads
replies with :mod:`autograder.sandbox.replies`. Importing this module does not
import TensorFlow; the zygote process does.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Any

import numpy as np

from autograder.sandbox.channel import Child
from autograder.sandbox.child import BASE_UID, ChildSpec
from autograder.sandbox.config import SandboxConfig
from autograder.sandbox.launcher import OutputCapture, ZygoteProcess, drain, kill_user
from autograder.sandbox.protocol import FrameReader, ProtocolError, encode, pack
from autograder.sandbox.proxy import BadReturn, CallTimeout, ChildCrashed
from autograder.sandbox.replies import ChildEnded, exit_error, reply_value
from autograder.sandbox.scratch import sweep_user

# The module name of a trusted request (never a Python identifier, so never student code).
TASK_MODULE = "$task"
MIB = 1024 * 1024
CHILD_START_SECONDS = 30.0


class Zygote(ZygoteProcess):
    """A process that has imported TensorFlow and forks sandboxed children on request."""

    def spawn(
        self, scratch: Path, config: SandboxConfig, slot: int = 0, *, trusted: bool = False
    ) -> Session:
        """A session running the sources in ``scratch`` under ``config``.

        Under full isolation the child works on its own copy of them, in a tmpfs
        of ``config.scratch_mb``; it never writes to ``scratch`` itself. With
        ``trusted`` the child holds no student code and serves only
        :meth:`Session.task` (the grader's own work on student data, such as
        training a model from its config), under the same walls and limits.
        """
        return Session(self, scratch, config, slot, trusted=trusted)

    def __enter__(self) -> Zygote:
        self.start()
        return self


class Session:
    """Calls into one submission's code, in a sandboxed child that is replaced after a crash."""

    def __init__(
        self, zygote: Zygote, scratch: Path, config: SandboxConfig, slot: int,
        *, trusted: bool = False,
    ) -> None:
        self.zygote, self.scratch, self.config, self.slot = zygote, scratch, config, slot
        self.trusted = trusted
        self.isolation = "not started"
        self.last_output = ""
        self.deadline = time.monotonic() + config.submission_seconds
        self._calls = 0
        self._reply_bytes_left = config.submission_reply_mb * MIB
        self._timed_out: dict[str, float] = {}  # "module.function" -> the limit it ran into
        self._child: Child | None = None
        with contextlib.suppress(ChildCrashed):  # reported again by the first call
            self._child = self._start()

    def call(self, module: str, function: str, *args: Any, **kwargs: Any) -> Any:
        """Call ``module.function(*args, **kwargs)`` in the child; return plain data."""
        if self.trusted != (module == TASK_MODULE):
            raise ValueError("a trusted session serves tasks only, and only it serves them")
        self.last_output = ""
        if time.monotonic() >= self.deadline:
            raise CallTimeout("submission time limit reached")
        # A function that hung once is not run again: each hang would cost the full limit.
        if (spent := self._timed_out.get(f"{module}.{function}")) is not None:
            raise CallTimeout(
                f"{function} was not run again: it did not finish within {spent:.3g} s "
                "on an earlier case"
            )
        if self._reply_bytes_left <= 0:
            raise BadReturn(
                f"{function} was not run: the submission's values passed "
                f"{self.config.submission_reply_mb} MiB in total"
            )
        if self._child is None:
            self._child = self._start()
        child = self._child
        # Nothing bigger than what is left of the budgets is read, let alone decoded.
        child.reader.max_bytes = min(self.config.reply_mb * MIB, self._reply_bytes_left)
        received = child.reader.received
        arrays: dict[str, np.ndarray] = {}
        self._calls += 1
        request = pack(
            {
                "id": self._calls,
                "module": module,
                "function": function,
                "args": encode(list(args), arrays),
                "kwargs": encode(kwargs, arrays),
            },
            arrays,
        )
        limit = max(0.0, min(self.config.call_timeout, self.deadline - time.monotonic()))
        capture = OutputCapture(self.config.output_bytes)
        try:
            reply, reply_arrays = child.exchange(request, capture, limit, self._calls)
        except TimeoutError as exc:
            self._finish(child, capture)
            self._timed_out[f"{module}.{function}"] = limit
            raise CallTimeout(f"{function} did not finish within {limit:.3g} s",
                              self.last_output) from exc
        except ChildEnded as ended:
            self._finish(child, capture)
            error = exit_error(
                function, ended.frame, self.config.cpu_seconds_per_call, self.last_output
            )
            if isinstance(error, CallTimeout):  # its CPU time ran out
                self._timed_out[f"{module}.{function}"] = self.config.cpu_seconds_per_call
            raise error from None
        except (OSError, EOFError) as exc:
            self._finish(child, capture)
            raise ChildCrashed(f"{function} crashed the process running it",
                               self.last_output) from exc
        except ProtocolError as exc:
            self._finish(child, capture)
            raise BadReturn(f"{function} broke the sandbox protocol: {exc}",
                            self.last_output) from exc
        self.last_output = capture.text()
        self._reply_bytes_left -= child.reader.received - received
        return reply_value(reply, reply_arrays, self.last_output)

    def task(self, name: str, args: dict[str, Any], timeout: float) -> Any:
        """Run the grader's task ``name`` in the trusted child; the child is killed at ``timeout``.

        Raises:
            CallTimeout: past ``timeout`` seconds of wall-clock, or the CPU limit.
            ChildCrashed: the child died (memory limit, signal).
            BadReturn, StudentRaised: the task failed or its reply was not plain data.
        """
        if not self.trusted:
            raise ValueError("tasks run only in a trusted session")
        # Each task has its own deadline (call() kills the child once it passes) and a
        # task that timed out before may run again: the next one is another model.
        self.deadline = time.monotonic() + max(0.0, timeout)
        self._timed_out.clear()
        return self.call(TASK_MODULE, name, args)

    def _start(self) -> Child:
        cpu = max(1, int(self.config.cpu_seconds_per_call))
        spec = ChildSpec(
            scratch=str(self.scratch),
            hidden_paths=tuple(str(p) for p in self.config.hidden_paths),
            scratch_mb=self.config.scratch_mb,
            memory_mb=self.config.memory_mb,
            file_size_mb=self.config.file_size_mb,
            max_processes=self.config.max_processes,
            cpu_seconds_per_call=cpu,
            cpu_seconds_total=int(self.config.submission_seconds) + cpu + 30,
            use_namespaces=self.config.use_namespaces,
            slot=self.slot,
            trusted=self.trusted,
        )
        sock, output = self.zygote.fork_child(spec)
        child = Child(sock, output, 0, 0, FrameReader())
        try:
            started, _ = child.exchange(b"", OutputCapture(0), CHILD_START_SECONDS, 0)
            child.pid, child.keeper = int(started["pid"]), int(started["keeper"])
            ready, _ = child.exchange(b"", OutputCapture(0), CHILD_START_SECONDS, 0)
            if ready.get("event") != "ready":
                raise ChildEnded(ready)
        except (OSError, EOFError, ProtocolError, KeyError, ValueError, ChildEnded) as exc:
            self._kill(child)
            raise ChildCrashed(f"the sandbox could not start ({exc})") from exc
        self.isolation = str(ready.get("isolation", "unknown"))
        return child

    def _finish(self, child: Child, capture: OutputCapture) -> None:
        """Keep what the dead or stuck child printed, then make sure it is gone."""
        drain(child.output, capture)
        self.last_output = capture.text()
        self._kill(child)
        self._child = None

    def _kill(self, child: Child) -> None:
        # Without full isolation the slot's user id may hold processes the child started.
        child.kill(None if self.isolation == "full" else BASE_UID + self.slot)

    def close(self) -> None:
        if self._child is not None:
            self._kill(self._child)
            self._child = None
        if self.isolation != "full":  # the child shared the host's /tmp and IPC
            kill_user(BASE_UID + self.slot)
            sweep_user(BASE_UID + self.slot, keep=self.scratch)

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
