"""A machine where the sandbox cannot start stops the run, instead of zeroing a class.

The run is started for real as an unprivileged user (uid 65534, through ``setpriv``),
whose sandbox child cannot switch to its own user. Switching users takes root, so
these tests need root themselves. The interpreter may live under a folder that user
cannot enter (a pyenv under /root): the command then runs in a private mount
namespace where only the folders it needs are made reachable.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sample_submissions import reference_submission, stub_submission

import autograder

pytestmark = pytest.mark.needs_root

NOBODY = 65534


def _closed_parent(path: Path) -> tuple[Path, str] | None:
    """The first folder above ``path`` others may not enter, and the name below it."""
    for parent in reversed(path.parents):
        if parent != path and not os.stat(parent).st_mode & stat.S_IXOTH:
            return parent, path.relative_to(parent).parts[0]
    return None


def _reachable_prologue(needed: list[Path], spare: Path) -> str:
    """Shell lines that make ``needed`` reachable for others in this mount namespace.

    Each closed folder is covered by an open tmpfs holding only the names needed below
    it, bound from a view of the folder kept under ``spare`` (emptied with the namespace).
    """
    opened: dict[Path, set[str]] = {}
    for path in needed:
        if (closed := _closed_parent(path.resolve())) is not None:
            opened.setdefault(closed[0], set()).add(closed[1])
    lines = ["set -e", "mount --make-rprivate /"]
    for index, (folder, names) in enumerate(opened.items()):
        keep = shlex.quote(str(spare / f".closed-{index}"))
        lines += [f"mkdir -p {keep}",
                  f"mount --bind {shlex.quote(str(folder))} {keep}",
                  f"mount -t tmpfs -o mode=755 tmpfs {shlex.quote(str(folder))}"]
        for name in sorted(names):
            inside = shlex.quote(str(folder / name))
            lines += [f"mkdir {inside}", f"mount --bind {keep}/{shlex.quote(name)} {inside}"]
    return "\n".join(lines)


def _as_nobody(command: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    """Run ``command`` as uid 65534 with this interpreter and package reachable."""
    for tool in ("unshare", "setpriv"):
        if shutil.which(tool) is None:
            pytest.skip(f"needs {tool} (util-linux) to run convgrade as an unprivileged user")
    package_root = Path(autograder.__file__).resolve().parent.parent
    needed = [Path(sys.executable).resolve(), Path(sys.prefix), Path(sys.base_prefix),
              package_root]
    env = {**os.environ, "HOME": str(home),
           "PYTHONPATH": os.pathsep.join(filter(None, (str(package_root),
                                                       os.environ.get("PYTHONPATH"))))}
    script = (_reachable_prologue(needed, home)
              + f'\nexec setpriv --reuid={NOBODY} --regid={NOBODY} --clear-groups "$@"')
    return subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", *command],
                          capture_output=True, text=True, env=env, timeout=600)


@pytest.fixture
def shared() -> Iterator[Path]:
    """A folder uid 65534 may use (pytest's own tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="convgrade-nobody-"))
    try:
        reference_submission(folder / "class", "alice")
        stub_submission(folder / "class", "bob")
        for path in (folder, *folder.rglob("*")):
            path.chmod(0o777 if path.is_dir() else 0o666)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_grade_as_unprivileged_user_refuses_to_start(shared: Path) -> None:
    """`convgrade grade` without root exits 1 with one message and writes no result.

    Two grader processes: the reason reaches the user through the process pool.
    """
    out = shared / "out"
    done = _as_nobody([sys.executable, "-m", "autograder", "grade", str(shared / "class"),
                       "--out", str(out), "--workers", "2", "--no-train"], shared)
    assert done.returncode == 1, done.stderr[-3000:]
    message = " ".join(done.stderr.split())
    assert "error: the sandbox cannot start on this machine" in message
    assert f"runs as uid {NOBODY}, not root" in message
    assert "Traceback" not in done.stderr
    assert not list(out.glob("results/*.json"))
    assert not (out / "gradebook.csv").exists()


API_CHECK = """
import json, sys
from pathlib import Path
from autograder.run.bulk import grade_paths
from autograder.sandbox.probe import SandboxUnavailable
try:
    grade_paths([Path(sys.argv[1])], Path(sys.argv[2]), workers=1)
except SandboxUnavailable as exc:
    print(json.dumps({"raised": type(exc).__name__, "message": str(exc)}))
else:
    print(json.dumps({"raised": None}))
"""


def test_grade_paths_raises_sandbox_unavailable(shared: Path) -> None:
    """grade_paths (one warm grader in this process) raises SandboxUnavailable, nothing graded."""
    out = shared / "api-out"
    done = _as_nobody([sys.executable, "-c", API_CHECK, str(shared / "class"), str(out)], shared)
    assert done.returncode == 0, done.stderr[-3000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["raised"] == "SandboxUnavailable"
    assert "its child failed with PermissionError" in outcome["message"]
    assert not list(out.glob("results/*.json"))
