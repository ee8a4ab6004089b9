"""The sandboxed child: walls go up first, then it serves calls into student code.

Forked by the zygote. The first process (the "keeper") starts a new session,
leaves the grader's namespaces and forks the server, which is PID 1 of a new
PID namespace: killing it ends every process the student started, even one in
a new session. The keeper reports the server's pid, waits for it to end and
then reports how it ended, so the grader can tell a crash from a bug.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import resource
import signal
import socket
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from autograder.sandbox import limits
from autograder.sandbox.protocol import ProtocolError, decode, encode, recv_frame, send_frame

OUTPUT_FILE = ".convgrade-output"
BASE_UID = 61000


@dataclass(frozen=True)
class ChildSpec:
    """What the grader asks for when it spawns a child."""

    scratch: str
    hidden_paths: tuple[str, ...]
    memory_mb: int
    file_size_mb: int
    max_processes: int
    cpu_seconds_per_call: int
    cpu_seconds_total: int
    output_bytes: int
    use_namespaces: bool
    slot: int


def run_keeper(sock: socket.socket, spec: ChildSpec) -> NoReturn:
    """The keeper process: isolate, fork the server, report its pid and its end."""
    limits.die_with_parent()
    os.setsid()
    missing: list[str] = []
    if spec.use_namespaces:
        try:
            limits.unshare_namespaces()
        except limits.IsolationError as exc:
            missing.append(f"no namespaces ({exc.strerror})")
    else:
        missing.append("namespaces disabled")
    pid = os.fork()
    if pid == 0:
        _run_server(sock, spec, missing)
    send_frame(sock, {"event": "started", "pid": pid, "keeper": os.getpid()})
    _, status = os.waitpid(pid, 0)
    with contextlib.suppress(OSError):  # the grader may already have given up on it
        send_frame(sock, {"event": "exit", **describe_status(status)})
    os._exit(0)


def describe_status(status: int) -> dict[str, Any]:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        return {
            "signal": signal.Signals(number).name
            if number in signal.Signals._value2member_map_
            else str(number)
        }
    return {"code": os.WEXITSTATUS(status)}


def _run_server(sock: socket.socket, spec: ChildSpec, missing: list[str]) -> NoReturn:
    code = 0
    try:
        limits.die_with_parent()
        workdir = _build_walls(spec, missing)
        _serve(sock, workdir, spec, missing)
    except (EOFError, ConnectionError):
        pass  # the grader closed the session
    except BaseException as exc:
        code = 70
        with contextlib.suppress(Exception):
            send_frame(sock, {"event": "failed", "message": _describe(exc)})
    os._exit(code)


def _build_walls(spec: ChildSpec, missing: list[str]) -> Path:
    scratch = Path(spec.scratch)
    uid = BASE_UID + spec.slot
    os.chown(scratch, uid, uid)
    workdir = scratch
    if not missing:
        try:
            limits.private_mounts()
            limits.fresh_proc()
            limits.hide(spec.hidden_paths)
            os.chdir(scratch)
            limits.scratch_only(scratch)
            workdir = Path("/tmp")
        except limits.IsolationError as exc:
            missing.append(f"mounts failed ({exc.strerror})")
    os.chdir(workdir)
    limits.set_limits(spec.memory_mb, spec.file_size_mb, spec.max_processes)
    resource.setrlimit(resource.RLIMIT_CPU, (spec.cpu_seconds_total, spec.cpu_seconds_total))
    limits.no_new_privileges()
    limits.drop_privileges(uid)
    return workdir


def _serve(sock: socket.socket, workdir: Path, spec: ChildSpec, missing: list[str]) -> None:
    output = _capture_output(workdir)
    sys.path.insert(0, str(workdir))
    isolation = "full" if not missing else "reduced: " + "; ".join(missing)
    send_frame(sock, {"event": "ready", "isolation": isolation})
    imported: dict[str, Any] = {}
    while True:
        header, arrays = recv_frame(sock)
        os.ftruncate(output, 0)
        os.lseek(output, 0, os.SEEK_SET)
        limits.allow_cpu_seconds(spec.cpu_seconds_per_call)
        reply, reply_arrays = _call(header, arrays, imported, workdir)
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        reply["output"] = _read_output(output, spec.output_bytes)
        send_frame(sock, reply, reply_arrays)


def _capture_output(workdir: Path) -> int:
    """Send the student's stdout and stderr to a file in scratch, never to the grader."""
    fd = os.open(workdir / OUTPUT_FILE, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    return fd


def _read_output(fd: int, limit: int) -> str:
    data = os.pread(fd, limit + 1, 0)
    text = data[:limit].decode("utf-8", errors="replace")
    return text + "\n[... output truncated]" if len(data) > limit else text


def _call(
    header: dict[str, Any], arrays: dict[str, np.ndarray], imported: dict[str, Any], workdir: Path
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    module_name, function = str(header["module"]), str(header["function"])
    args = decode(header["args"], arrays)
    kwargs = decode(header["kwargs"], arrays)
    module = _import(module_name, imported, workdir)
    if isinstance(module, str):
        return {"status": "missing", "message": module}, {}
    target = getattr(module, function, None)
    if not callable(target):
        return {"status": "missing", "message": f"{module_name}.py has no function {function}"}, {}
    try:
        value = target(*args, **kwargs)
    except BaseException as exc:  # student code may raise anything, SystemExit included
        return _raised(exc), {}
    out: dict[str, np.ndarray] = {}
    try:
        return {"status": "ok", "value": encode(value, out)}, out
    except ProtocolError as exc:
        return {"status": "bad-return", "message": str(exc)}, {}
    except BaseException as exc:
        return {"status": "bad-return", "message": f"the value could not be read: {_text(exc)}"}, {}


def _import(name: str, imported: dict[str, Any], workdir: Path) -> Any:
    if name not in imported:
        if not (workdir / f"{name}.py").is_file():
            imported[name] = f"{name}.py is missing from the submission"
        else:
            try:
                imported[name] = importlib.import_module(name)
            except BaseException as exc:
                imported[name] = f"{name}.py could not be imported: {_describe(exc)}"
    return imported[name]


def _raised(exc: BaseException) -> dict[str, Any]:
    frames = traceback.extract_tb(exc.__traceback__)
    student = [f for f in frames if not f.filename.startswith(sys.prefix)]
    trace = "".join(traceback.format_list(student[-3:]))
    return {
        "status": "raised",
        "type": type(exc).__name__,
        "message": _text(exc),
        "trace": trace[-2000:],
    }


def _describe(exc: BaseException) -> str:
    line = getattr(exc, "lineno", None)
    where = f" (line {line})" if line else ""
    return f"{type(exc).__name__}: {_text(exc)}{where}"


def _text(exc: BaseException) -> str:
    try:
        return str(exc)[:2000]
    except BaseException:
        return "<unprintable>"
