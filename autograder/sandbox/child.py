"""The sandboxed child: walls go up first, then it serves calls into student code.

Forked by the zygote. The first process (the "keeper") starts a new session,
leaves the grader's namespaces and forks the server, which is PID 1 of a new
PID namespace: killing it ends every process the student started, even one in
a new session. The keeper reports the server's pid, waits for it to end and
then reports how it ended, so the grader can tell a crash from a bug.

Before serving, the server puts up its walls: a fresh root from an allow-list
with a tmpfs scratch (:mod:`autograder.sandbox.rootfs`), then its own user,
rlimits and ``no_new_privs`` (:mod:`autograder.sandbox.limits`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

import numpy as np

from autograder.course.paths import PACKAGE_DIR, course
from autograder.load.modules import load_module_group
from autograder.sandbox import limits, rootfs
from autograder.sandbox.protocol import (
    MAX_VALUE_BYTES,
    ProtocolError,
    decode,
    encode,
    pack,
    recv_frame,
    send_frame,
)
from autograder.sandbox.tf_env import QUIET_TENSORFLOW

BASE_UID = 61000
_SAFE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", **QUIET_TENSORFLOW}


@dataclass(frozen=True)
class ChildSpec:
    """What the grader asks for when it spawns a child (sent to the zygote as JSON)."""

    scratch: str
    hidden_paths: tuple[str, ...]
    scratch_mb: int
    memory_mb: int
    file_size_mb: int
    max_processes: int
    cpu_seconds_per_call: int
    cpu_seconds_total: int
    use_namespaces: bool
    slot: int
    # A trusted child holds no student code and serves only the grader's own tasks
    # (rebuilding and training a model from its config); a student child never does.
    trusted: bool = False


def run_keeper(sock: socket.socket, output_fd: int, spec: ChildSpec) -> NoReturn:
    """The keeper process: isolate, fork the server, report its pid and how it ended."""
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
    gate_read, gate_write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(gate_write)
        os.read(gate_read, 1)  # the keeper's "started" frame must go out first
        os.close(gate_read)
        _run_server(sock, output_fd, spec, missing)
    os.close(gate_read)
    os.close(output_fd)
    with contextlib.suppress(OSError):
        send_frame(sock, {"event": "started", "pid": pid, "keeper": os.getpid()})
    os.close(gate_write)
    _, status = os.waitpid(pid, 0)
    with contextlib.suppress(OSError):  # the grader may already have given up on it
        send_frame(sock, {"event": "exit", **describe_status(status)})
    os._exit(0)


def describe_status(status: int) -> dict[str, Any]:
    """A ``waitpid`` status as ``{"signal": name}`` or ``{"code": exit code}``."""
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            return {"signal": signal.Signals(number).name}
        except ValueError:
            return {"signal": str(number)}
    return {"code": os.WEXITSTATUS(status)}


def _run_server(
    sock: socket.socket, output_fd: int, spec: ChildSpec, missing: list[str]
) -> NoReturn:
    code = 0
    try:
        limits.die_with_parent()
        os.setpgid(0, 0)  # its own group, so killing the group spares the keeper
        workdir = _build_walls(spec, missing)
        _redirect_output(output_fd)
        _serve(sock, workdir, spec, missing)
    except (EOFError, ConnectionError):
        pass  # the grader closed the session
    except BaseException as exc:
        code = 70
        with contextlib.suppress(BaseException):
            send_frame(sock, {"event": "failed", "message": _describe(exc)})
    os._exit(code)


def _build_walls(spec: ChildSpec, missing: list[str]) -> Path:
    uid = BASE_UID + spec.slot
    workdir = Path(spec.scratch)
    if not missing:
        # Past the first steps a failure leaves the root half built: the child then
        # stops rather than run student code in it.
        plan = rootfs.plan_root(spec.scratch, spec.hidden_paths, spec.scratch_mb, uid,
                                course().root, PACKAGE_DIR)
        try:
            rootfs.build_root(plan)
            socket.sethostname(rootfs.HOSTNAME)
            workdir = Path(rootfs.SCRATCH)
        except rootfs.RootRefused as exc:
            missing += [f"mounts refused ({exc.strerror})", "the whole filesystem is readable"]
    else:
        missing.append("no private filesystem, network, IPC or PID namespace; "
                       "the whole filesystem is readable")
    if missing:
        os.chown(workdir, uid, uid)
        os.chdir(workdir)
    os.environ.clear()
    os.environ.update({**_SAFE_ENV, "HOME": str(workdir)})
    limits.set_limits(spec.memory_mb, spec.file_size_mb, spec.max_processes,
                      spec.cpu_seconds_total)
    limits.no_new_privileges()
    limits.drop_privileges(uid)
    limits.die_with_parent()  # a change of user id cleared the earlier request
    return workdir


def _redirect_output(output_fd: int) -> None:
    """Student prints go to the grader's capture pipe, never to the grader's own stdout."""
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(output_fd, 1)
    os.dup2(output_fd, 2)
    os.close(output_fd)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.reconfigure(line_buffering=True)


def _serve(sock: socket.socket, workdir: Path, spec: ChildSpec, missing: list[str]) -> None:
    sys.path.insert(0, str(workdir))
    isolation = "full" if not missing else "reduced: " + "; ".join(missing)
    send_frame(sock, {"event": "ready", "isolation": isolation})
    modules: dict[str, ModuleType | str] = {}
    while True:
        header, arrays = recv_frame(sock)
        limits.allow_cpu_seconds(spec.cpu_seconds_per_call)
        if spec.trusted:
            reply, reply_arrays = _task(header, arrays)
        else:
            reply, reply_arrays = _call(header, arrays, modules, workdir)
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(BaseException):
                stream.flush()
        reply["id"] = header.get("id")
        try:
            frame = pack(reply, reply_arrays)
        except (ValueError, TypeError) as exc:
            frame = pack({"id": reply["id"], "status": "bad-return", "message": str(exc)})
        if len(frame) > MAX_VALUE_BYTES:
            message = f"the value is larger than {MAX_VALUE_BYTES // limits.MIB} MiB"
            frame = pack({"id": reply["id"], "status": "bad-return", "message": message})
        sock.sendall(frame)


def _call(
    header: dict[str, Any],
    arrays: dict[str, np.ndarray],
    modules: dict[str, ModuleType | str],
    workdir: Path,
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    module_name, function = str(header["module"]), str(header["function"])
    args, kwargs = decode(header["args"], arrays), decode(header["kwargs"], arrays)
    if not module_name.isidentifier():
        return {"status": "missing", "message": f"{module_name!r} is not a module name"}, {}
    if module_name not in modules:
        group = load_module_group(workdir, (module_name,))
        modules[module_name] = group.modules.get(module_name) or group.errors[module_name]
    module = modules[module_name]
    if isinstance(module, str):
        return {"status": "missing", "message": module}, {}
    target = getattr(module, function, None)
    if not callable(target):
        return {"status": "missing", "message": f"{module_name}.py has no function {function}"}, {}
    try:
        value = target(*args, **kwargs)
    except BaseException as exc:  # student code may raise anything, SystemExit included
        return _raised(exc, workdir), {}
    out: dict[str, np.ndarray] = {}
    try:
        return {"status": "ok", "value": encode(value, out)}, out
    except ProtocolError as exc:
        return {"status": "bad-return", "message": str(exc)}, {}
    except BaseException as exc:  # a student's model may fail while being described
        message = f"the value could not be read: {_describe(exc)}"
        return {"status": "bad-return", "message": message}, {}


def _task(
    header: dict[str, Any], arrays: dict[str, np.ndarray]
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """A trusted request: one of the grader's own tasks, never code from the submission."""
    from autograder.grading.keras import tasks  # preloaded by the zygote

    try:
        (args,) = decode(header["args"], arrays)
        value = tasks.run(str(header["function"]), args)
        out: dict[str, np.ndarray] = {}
        return {"status": "ok", "value": encode(value, out)}, out
    except BaseException as exc:
        return {"status": "raised", "type": type(exc).__name__, "message": _text(exc),
                "trace": traceback.format_exc()[-4000:]}, {}


def _raised(exc: BaseException, workdir: Path) -> dict[str, Any]:
    frames = traceback.extract_tb(exc.__traceback__)
    student = [f for f in frames if f.filename.startswith(str(workdir))]
    trace = "".join(traceback.format_list(student[-5:]))
    return {"status": "raised", "type": type(exc).__name__, "message": _text(exc),
            "trace": trace[-4000:]}


def _describe(exc: BaseException) -> str:
    line = getattr(exc, "lineno", None)
    where = f" (line {line})" if line else ""
    return f"{type(exc).__name__}: {_text(exc)}{where}"


def _text(exc: BaseException) -> str:
    try:
        return str(exc)[:2000]
    except BaseException:
        return "<unprintable>"
