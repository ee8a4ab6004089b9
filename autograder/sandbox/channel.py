"""One sandboxed child as the grader holds it: send a request, read output and reply, kill it."""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import socket
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder.sandbox.launcher import OutputCapture, drain, kill_user, read_output
from autograder.sandbox.protocol import FrameReader, ProtocolError
from autograder.sandbox.replies import ChildEnded

KILL_WAIT_SECONDS = 3.0


@dataclass
class Child:
    """A child's socket, output pipe, process ids and the frames read from it so far."""

    sock: socket.socket
    output: int
    pid: int
    keeper: int
    reader: FrameReader

    def exchange(
        self, request: bytes, capture: OutputCapture, limit: float, call_id: int
    ) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """Send ``request``, then read output and frames until a reply or the time limit.

        Raises:
            TimeoutError: no frame within ``limit`` seconds.
            EOFError: the child closed its socket.
            ChildEnded: the keeper reported that the child ended.
            ProtocolError: a bad frame, or a reply to a call other than ``call_id``.
        """
        deadline = time.monotonic() + limit
        if request:
            self.sock.settimeout(limit)
            self.sock.sendall(request)
        self.sock.setblocking(False)
        with selectors.DefaultSelector() as selector:
            selector.register(self.sock, selectors.EVENT_READ)
            selector.register(self.output, selectors.EVENT_READ)
            while not self.reader.frames:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError
                for key, _ in selector.select(remaining):
                    if key.fileobj == self.output:
                        if not read_output(self.output, capture):
                            selector.unregister(self.output)
                        continue
                    data = self.sock.recv(1 << 20)
                    if not data:
                        raise EOFError("the child closed its socket")
                    self.reader.feed(data)
        drain(self.output, capture)  # the child flushed its output before replying
        header, arrays = self.reader.frames.popleft()
        if header.get("event") in ("exit", "failed"):
            raise ChildEnded(header)
        if request and header.get("id") != call_id:
            raise ProtocolError("a reply to a different call arrived")
        return header, arrays

    def kill(self, user: int | None) -> None:
        """Kill the child and everything it started; with ``user``, every process of that uid."""
        # PID 1 of the child's namespace takes every descendant with it; its process
        # group and the slot's user id cover the reduced case. The keeper is spared:
        # it reaps the server, then closes its end of the socket and exits.
        if self.pid > 0:
            for kill in (os.kill, os.killpg):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    kill(self.pid, signal.SIGKILL)
        if user is not None:
            kill_user(user)
        ended = False
        with contextlib.suppress(OSError):
            self.sock.settimeout(KILL_WAIT_SECONDS)
            while self.sock.recv(1 << 16):
                pass
            ended = True
        self.sock.close()
        os.close(self.output)
        if not ended and self.keeper > 0:  # still there, so its pid is still its own
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(self.keeper, signal.SIGKILL)
