"""The grader's side of the sandbox: a warm zygote and per-submission sessions.

Importing this module does not import TensorFlow; the zygote process does.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from autograder.sandbox.child import BASE_UID, ChildSpec
from autograder.sandbox.config import SandboxConfig
from autograder.sandbox.launcher import OutputCapture, ZygoteProcess, drain, kill_user, read_output
from autograder.sandbox.limits import CPU_LIMIT_EXIT
from autograder.sandbox.protocol import FrameReader, ProtocolError, decode, encode, pack
from autograder.sandbox.proxy import (
    BadReturn,
    CallTimeout,
    ChildCrashed,
    MissingCode,
    StudentRaised,
)
from autograder.sandbox.scratch import sweep_user

# The module name of a trusted request (never a Python identifier, so never student code).
TASK_MODULE = "$task"
MIB = 1024 * 1024
CHILD_START_SECONDS = 30.0
KILL_WAIT_SECONDS = 3.0


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


@dataclass
class _Child:
    sock: socket.socket
    output: int
    pid: int
    keeper: int
    reader: FrameReader


class _Ended(Exception):
    """The child process ended; ``frame`` is the keeper's report of how."""

    def __init__(self, frame: dict[str, Any]) -> None:
        super().__init__(_exit_text(frame))
        self.frame = frame


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
        self._child: _Child | None = None
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
            reply, reply_arrays = self._exchange(child, request, capture, limit)
        except TimeoutError as exc:
            self._finish(child, capture)
            self._timed_out[f"{module}.{function}"] = limit
            raise CallTimeout(f"{function} did not finish within {limit:.3g} s",
                              self.last_output) from exc
        except _Ended as ended:
            self._finish(child, capture)
            error = _exit_error(function, ended.frame, self.config, self.last_output)
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
        return self._result(reply, reply_arrays)

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

    def _start(self) -> _Child:
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
        child = _Child(sock, output, 0, 0, FrameReader())
        try:
            started, _ = self._exchange(child, b"", OutputCapture(0), CHILD_START_SECONDS)
            child.pid, child.keeper = int(started["pid"]), int(started["keeper"])
            ready, _ = self._exchange(child, b"", OutputCapture(0), CHILD_START_SECONDS)
            if ready.get("event") != "ready":
                raise _Ended(ready)
        except (OSError, EOFError, ProtocolError, KeyError, ValueError, _Ended) as exc:
            self._kill(child)
            raise ChildCrashed(f"the sandbox could not start ({exc})") from exc
        self.isolation = str(ready.get("isolation", "unknown"))
        return child

    def _exchange(
        self, child: _Child, request: bytes, capture: OutputCapture, limit: float
    ) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """Send ``request``, then read output and frames until a reply or the time limit."""
        deadline = time.monotonic() + limit
        if request:
            child.sock.settimeout(limit)
            child.sock.sendall(request)
        child.sock.setblocking(False)
        with selectors.DefaultSelector() as selector:
            selector.register(child.sock, selectors.EVENT_READ)
            selector.register(child.output, selectors.EVENT_READ)
            while not child.reader.frames:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError
                for key, _ in selector.select(remaining):
                    if key.fileobj == child.output:
                        if not read_output(child.output, capture):
                            selector.unregister(child.output)
                        continue
                    data = child.sock.recv(1 << 20)
                    if not data:
                        raise EOFError("the child closed its socket")
                    child.reader.feed(data)
        drain(child.output, capture)  # the child flushed its output before replying
        header, arrays = child.reader.frames.popleft()
        if header.get("event") in ("exit", "failed"):
            raise _Ended(header)
        if request and header.get("id") != self._calls:
            raise ProtocolError("a reply to a different call arrived")
        return header, arrays

    def _result(self, reply: dict[str, Any], arrays: dict[str, np.ndarray]) -> Any:
        status, output = reply.get("status"), self.last_output
        if status == "ok":
            try:
                return decode(reply.get("value"), arrays)
            except ProtocolError as exc:
                raise BadReturn(str(exc), output) from exc
        message = _capped(reply.get("message", ""))
        if status == "raised":
            raise StudentRaised(
                _capped(reply.get("type"), 200), message, output, _capped(reply.get("trace"))
            )
        if status == "missing":
            raise MissingCode(message, output)
        raise BadReturn(message or "the reply could not be understood", output)

    def _finish(self, child: _Child, capture: OutputCapture) -> None:
        """Keep what the dead or stuck child printed, then make sure it is gone."""
        drain(child.output, capture)
        self.last_output = capture.text()
        self._kill(child)
        self._child = None

    def _kill(self, child: _Child) -> None:
        # PID 1 of the child's namespace takes every descendant with it; its process
        # group and the slot's user id cover the reduced case. The keeper is spared:
        # it reaps the server, then closes its end of the socket and exits.
        if child.pid > 0:
            for kill in (os.kill, os.killpg):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    kill(child.pid, signal.SIGKILL)
        if self.isolation != "full":
            kill_user(BASE_UID + self.slot)
        ended = False
        with contextlib.suppress(OSError):
            child.sock.settimeout(KILL_WAIT_SECONDS)
            while child.sock.recv(1 << 16):
                pass
            ended = True
        child.sock.close()
        os.close(child.output)
        if not ended and child.keeper > 0:  # still there, so its pid is still its own
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(child.keeper, signal.SIGKILL)

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


def _capped(value: Any, limit: int = 4000) -> str:
    """Text from a reply, which student code may have written: a string, never a long one."""
    if type(value) is str:
        return value[:limit]
    return "" if value is None else type(value).__name__


def _exit_text(frame: dict[str, Any]) -> str:
    if "message" in frame:
        return _capped(frame["message"])
    if "signal" in frame:
        return f"killed by {frame['signal']}"
    if "code" in frame:
        return f"exited with code {frame['code']}"
    return "ended unexpectedly"


def _exit_error(function: str, frame: dict[str, Any], config: SandboxConfig, output: str):
    if frame.get("signal") == "SIGXCPU" or frame.get("code") == CPU_LIMIT_EXIT:
        return CallTimeout(
            f"{function} used more than {config.cpu_seconds_per_call} s of CPU time", output
        )
    if frame.get("signal") == "SIGSEGV":
        return ChildCrashed(
            f"{function} crashed with a segmentation fault (runaway recursion overflows the "
            "stack)", output
        )
    return ChildCrashed(f"{function} ended the process running it ({_exit_text(frame)})", output)
