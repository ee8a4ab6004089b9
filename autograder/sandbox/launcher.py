"""The grader's handle on the zygote process, and what it reads from children.

Kept free of TensorFlow: only the zygote process imports it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

from autograder.course.paths import PACKAGE_DIR
from autograder.sandbox.child import ChildSpec
from autograder.sandbox.tf_env import QUIET_TENSORFLOW

ZYGOTE_START_SECONDS = 180.0
_ZYGOTE_ENV = {
    **QUIET_TENSORFLOW,
    "PYTHONDONTWRITEBYTECODE": "1",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


class ZygoteProcess:
    """The zygote process seen from the grader: start it, ask it for children, stop it."""

    def __init__(self) -> None:
        self._control: socket.socket | None = None
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the zygote process and wait until its imports are done."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        # -P: the folder the grader runs in (often a class folder) is not put on the
        # zygote's import path, so nothing there is imported, nor bound into a child.
        inherited = os.environ.get("PYTHONPATH")
        path = os.pathsep.join(filter(None, (str(PACKAGE_DIR.parent), inherited)))
        self._process = subprocess.Popen(
            [sys.executable, "-P", "-m", "autograder.sandbox.zygote", str(theirs.fileno())],
            pass_fds=(theirs.fileno(),),
            env={**os.environ, **_ZYGOTE_ENV, "PYTHONPATH": path},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        theirs.close()
        self._control = ours
        ours.settimeout(ZYGOTE_START_SECONDS)
        try:
            ready = ours.recv(16)
        except TimeoutError:
            ready = b""
        if ready != b"ready":
            self.close()
            raise RuntimeError("the sandbox zygote failed to start")
        ours.settimeout(None)

    def fork_child(self, spec: ChildSpec) -> tuple[socket.socket, int]:
        """A socket to a new child built from ``spec``, and the read end of its output pipe."""
        if self._process is None or self._process.poll() is not None:
            self.close()
            self.start()  # the zygote died (or never started): bring it back
        assert self._control is not None
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        output_read, output_write = os.pipe()
        try:
            payload = json.dumps(asdict(spec)).encode()
            socket.send_fds(self._control, [payload], [theirs.fileno(), output_write])
        except OSError:
            ours.close()
            os.close(output_read)
            raise
        finally:
            theirs.close()
            os.close(output_write)
        os.set_blocking(output_read, False)
        return ours, output_read

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

    def __enter__(self) -> ZygoteProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class OutputCapture:
    """Keeps the first ``limit`` bytes a child prints and counts the rest."""

    def __init__(self, limit: int) -> None:
        self.limit, self.data, self.dropped = limit, bytearray(), 0

    def add(self, chunk: bytes) -> None:
        room = max(0, self.limit - len(self.data))
        self.data += chunk[:room]
        self.dropped += len(chunk) - min(room, len(chunk))

    def text(self) -> str:
        text = self.data.decode("utf-8", errors="replace")
        return text + "\n[... truncated]" if self.dropped else text


def read_output(fd: int, capture: OutputCapture) -> bool:
    """Read what is waiting in the output pipe; False once every writer is gone."""
    try:
        chunk = os.read(fd, 1 << 16)
    except BlockingIOError:
        return True
    capture.add(chunk)
    return bool(chunk)


def drain(fd: int, capture: OutputCapture) -> None:
    """Read what the output pipe ``fd`` holds into ``capture``, until it is empty or closed."""
    with contextlib.suppress(OSError):
        while True:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return
            capture.add(chunk)


def kill_user(uid: int) -> None:
    """SIGKILL every process running as ``uid`` (the slot's own user)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            status = (entry / "status").read_text()
            real_uid = int(status.split("\nUid:")[1].split()[0])
            if real_uid == uid:
                os.kill(int(entry.name), signal.SIGKILL)
