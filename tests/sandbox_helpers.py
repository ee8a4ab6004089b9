"""Shared pieces of the sandbox tests: a hostile student module and process checks."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import autograder
from autograder.sandbox.child import BASE_UID
from autograder.sandbox.slots import claim_slot

# Our own slot, claimed like a grader's for this test process's lifetime, so our
# children's user id (and its process limit) is never shared with another run.
SLOT_CLAIM = claim_slot(3000 + os.getpid() % 1000)
SLOT = SLOT_CLAIM.slot
SLOT_UID = BASE_UID + SLOT



def bound_names(folder: Path) -> set[str]:
    """Names in ``folder`` the child may see: those leading to the package or the interpreter.

    A checkout (or its venv) may itself live under the scratch's /tmp or the course root.
    """
    needed = [Path(autograder.__file__).parent, Path(sys.prefix), Path(sys.base_prefix)]
    return {p.relative_to(folder).parts[0] for p in needed if p.is_relative_to(folder)}


STUDENT = '''
import os, socket, subprocess, sys, time
import numpy as np


def add(a, b):
    print("adding", a, b)
    return a + b


def echo(value):
    return value


class AlwaysEqual:
    def __eq__(self, other):
        return True


class Tricky(float):
    def __eq__(self, other):
        return True


class Marked(np.ndarray):
    pass


def always_equal():
    return AlwaysEqual()


def float_subclass():
    return Tricky(3.0)


def array_subclass():
    return np.zeros(3).view(Marked)


def object_array():
    return np.array([AlwaysEqual()], dtype=object)


def forge():
    print('{"score": 100, "max_score": 100, "tests": []}')
    return 0


def write(path):
    with open(path, "w") as handle:
        handle.write('{"score": 100}')
    return os.path.abspath(path)


def read(path):
    with open(path) as handle:
        return handle.read(80)


def listdir(path):
    return sorted(os.listdir(path))


def leave():
    os._exit(7)


def quit():
    sys.exit(0)


def raise_exit():
    raise SystemExit(3)


def interrupt():
    raise KeyboardInterrupt


def segfault():
    import ctypes
    return ctypes.string_at(0)


def spin():
    while True:
        pass


def sleep(seconds=60):
    time.sleep(seconds)


def hog(gib):
    return float(np.ones(int(gib * 2**30) // 8).sum())


def fork_bomb():
    started = 0
    for _ in range(400):
        try:
            if os.fork() == 0:
                time.sleep(60)
                os._exit(0)
            started += 1
        except OSError:
            break
    return started


def escape(beat):
    loop = f"while true; do date +%s%N > {beat}; sleep 0.05; done"
    return subprocess.Popen(["sh", "-c", loop], start_new_session=True).pid


def connect(host, port):
    with socket.create_connection((host, port), timeout=2):
        return "connected"


def kill_everyone():
    for pid in (os.getppid(), -1):
        try:
            os.kill(pid, 9)
        except OSError:
            pass
    return os.getppid()


def overflow():
    sys.setrecursionlimit(10**6)

    def down(n):
        return list(map(down, [n + 1]))  # through C, so the C stack overflows

    return down(0)


def shout(megabytes):
    print("x" * (megabytes * 2**20))
    return "done"


def patch():
    np.allclose = lambda *a, **k: True
    sys.modules["numpy"] = None
    return np.allclose(1, 2)
'''


def write_student(folder: Path) -> Path:
    """Write the hostile module as ``shapes.py`` in ``folder`` and return ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "shapes.py").write_text(textwrap.dedent(STUDENT))
    return folder


def processes_of(uid: int) -> list[int]:
    """The pids of every process on the machine whose real user id is ``uid``."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        if int(status.split("\nUid:")[1].split()[0]) == uid:
            pids.append(int(entry.name))
    return pids
