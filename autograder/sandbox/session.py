"""The grader's side of the sandbox: a warm zygote and per-submission sessions.

Importing this module does not import TensorFlow; the zygote process does.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from autograder.proxy import (
    BadReturn,
    CallTimeout,
    ChildCrashed,
    MissingCode,
    StudentError,
    StudentRaised,
)
from autograder.sandbox.child import ChildSpec
from autograder.sandbox.protocol import ProtocolError, decode, encode, recv_frame, send_frame

ZYGOTE_START_SECONDS = 180.0
CHILD_START_SECONDS = 30.0


@dataclass(frozen=True)
class SandboxConfig:
    """Limits on student code; the defaults suit one CNN assignment."""

    call_timeout: float = 10.0
    cpu_seconds_per_call: int = 10
    memory_mb: int = 2048
    file_size_mb: int = 16
    max_processes: int = 64
    output_bytes: int = 16384
    submission_seconds: float = 120.0
    hidden_paths: tuple[Path, ...] = ()
    use_namespaces: bool = True


class Zygote:
    """A process that has imported TensorFlow and forks sandboxed children on request."""

    def __init__(self) -> None:
        self._control: socket.socket | None = None
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONDONTWRITEBYTECODE": "1"}
        self._process = subprocess.Popen(
            [sys.executable, "-m", "autograder.sandbox.zygote", str(theirs.fileno())],
            pass_fds=(theirs.fileno(),),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        theirs.close()
        ours.settimeout(ZYGOTE_START_SECONDS)
        try:
            ready = ours.recv(16)
        except TimeoutError as exc:
            self.close()
            raise RuntimeError("the sandbox zygote did not start in time") from exc
        if ready != b"ready":
            self.close()
            raise RuntimeError("the sandbox zygote failed to start")
        ours.settimeout(None)
        self._control = ours

    def fork_child(self, spec: ChildSpec) -> socket.socket:
        """A connected socket to a new child built from ``spec``."""
        if self._control is None:
            raise RuntimeError("the zygote is not running")
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            payload = json.dumps(asdict(spec)).encode()
            socket.send_fds(self._control, [payload], [theirs.fileno()])
        finally:
            theirs.close()
        return ours

    def spawn(self, scratch: Path, config: SandboxConfig, slot: int = 0) -> Session:
        """A session running student code from ``scratch`` under ``config``."""
        return Session(self, scratch, config, slot)

    def close(self) -> None:
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._process is not None:
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None

    def __enter__(self) -> Zygote:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class _Child:
    sock: socket.socket
    pid: int
    keeper: int


class Session:
    """Calls into one submission's code, in a sandboxed child that is replaced after a crash."""

    def __init__(self, zygote: Zygote, scratch: Path, config: SandboxConfig, slot: int) -> None:
        self.zygote = zygote
        self.scratch = scratch
        self.config = config
        self.slot = slot
        self.isolation = "full"
        self.last_output = ""
        self.deadline = time.monotonic() + config.submission_seconds
        self._child: _Child | None = None

    def _spec(self) -> ChildSpec:
        cpu = max(1, int(self.config.cpu_seconds_per_call))
        return ChildSpec(
            scratch=str(self.scratch),
            hidden_paths=tuple(str(p) for p in self.config.hidden_paths),
            memory_mb=self.config.memory_mb,
            file_size_mb=self.config.file_size_mb,
            max_processes=self.config.max_processes,
            cpu_seconds_per_call=cpu,
            cpu_seconds_total=int(self.config.submission_seconds) + cpu + 30,
            output_bytes=self.config.output_bytes,
            use_namespaces=self.config.use_namespaces,
            slot=self.slot,
        )

    def _start(self) -> _Child:
        sock = self.zygote.fork_child(self._spec())
        sock.settimeout(CHILD_START_SECONDS)
        try:
            started, _ = recv_frame(sock)
            child = _Child(sock, int(started["pid"]), int(started["keeper"]))
            ready, _ = recv_frame(sock)
        except (OSError, EOFError, ProtocolError, KeyError, ValueError) as exc:
            sock.close()
            raise ChildCrashed(f"the sandbox could not start ({exc})") from exc
        if ready.get("event") != "ready":
            self._kill(child)
            raise ChildCrashed(f"the sandbox could not start ({_exit_text(ready)})")
        self.isolation = str(ready.get("isolation", "full"))
        return child

    def call(self, module: str, function: str, *args: Any, **kwargs: Any) -> Any:
        """Call ``module.function(*args, **kwargs)`` in the child; return plain data."""
        self.last_output = ""
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise CallTimeout("the submission's time limit was reached before this call")
        if self._child is None:
            self._child = self._start()
        child = self._child
        arrays: dict[str, np.ndarray] = {}
        header = {
            "module": module,
            "function": function,
            "args": encode(list(args), arrays),
            "kwargs": encode(kwargs, arrays),
        }
        limit = min(self.config.call_timeout, remaining)
        child.sock.settimeout(limit)
        try:
            send_frame(child.sock, header, arrays)
            reply, reply_arrays = recv_frame(child.sock)
        except TimeoutError as exc:
            self._restart()
            raise CallTimeout(f"{function} did not finish within {limit:.3g} s") from exc
        except (OSError, EOFError, ProtocolError) as exc:
            ended = self._ended(child)
            self._restart()
            raise ChildCrashed(f"{function} crashed the process running it ({ended})") from exc
        if reply.get("event") == "exit":
            self._restart()
            raise _exit_error(function, reply)
        self.last_output = str(reply.get("output", ""))
        return self._result(reply, reply_arrays)

    def _result(self, reply: dict[str, Any], arrays: dict[str, np.ndarray]) -> Any:
        status = reply.get("status")
        output = self.last_output
        if status == "ok":
            try:
                return decode(reply.get("value"), arrays)
            except ProtocolError as exc:
                raise BadReturn(str(exc), output) from exc
        if status == "raised":
            raise StudentRaised(
                str(reply.get("type")),
                str(reply.get("message", "")),
                output,
                str(reply.get("trace", "")),
            )
        if status == "missing":
            raise MissingCode(str(reply.get("message")), output)
        if status == "bad-return":
            raise BadReturn(str(reply.get("message")), output)
        raise BadReturn("the reply could not be understood", output)

    def _ended(self, child: _Child) -> str:
        """How a child that stopped answering ended, if its keeper said so."""
        child.sock.settimeout(2.0)
        with contextlib.suppress(Exception):
            while True:
                frame, _ = recv_frame(child.sock)
                if frame.get("event") == "exit":
                    return _exit_text(frame)
        return "it stopped answering"

    def _restart(self) -> None:
        if self._child is not None:
            self._kill(self._child)
            self._child = None

    @staticmethod
    def _kill(child: _Child) -> None:
        # PID 1 of the child's namespace takes every descendant with it; the
        # keeper's process group covers the reduced (no namespace) case.
        for kill in (
            lambda: os.kill(child.pid, signal.SIGKILL),
            lambda: os.killpg(child.keeper, signal.SIGKILL),
        ):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                kill()
        child.sock.close()

    def close(self) -> None:
        self._restart()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _exit_text(frame: dict[str, Any]) -> str:
    if "message" in frame:
        return str(frame["message"])
    if "signal" in frame:
        return f"killed by {frame['signal']}"
    if "code" in frame:
        return f"exited with code {frame['code']}"
    return "ended unexpectedly"


def _exit_error(function: str, frame: dict[str, Any]) -> StudentError:
    signal_name = frame.get("signal")
    if signal_name == "SIGXCPU":
        return CallTimeout(f"{function} used more CPU time than allowed")
    if signal_name == "SIGSEGV":
        return ChildCrashed(
            f"{function} crashed with a segmentation fault (often runaway recursion)"
        )
    return ChildCrashed(f"{function} ended the process running it ({_exit_text(frame)})")
