"""What this machine lets convgrade's own tests do, each probed for real and once.

A test that needs more than an unprivileged Python says so with a marker:

- ``needs_root``: it runs student code in the sandbox, whose child changes to a
  user id of its own (61000 + slot) and chowns its scratch, which only root may do;
- ``needs_namespaces``: it asserts full isolation (the child's private root, network,
  PID and IPC namespaces) or gives the child a scratch in pytest's private tmp_path,
  which the child's user reaches only through full isolation's copy; this also
  needs the OS to allow ``unshare`` and ``pivot_root``, elsewhere the sandbox runs
  with ``isolation: reduced``;
- ``needs_browser``: it drives Debian's Chromium (``make browser`` installs it).

Where the capability is missing the test is skipped with a one-line reason: what is
missing, then what the test would prove (its docstring's first paragraph). On the grading
host (root, namespaces, Chromium) nothing is skipped.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
from pathlib import Path

from autograder.sandbox import limits

# Where the browser tests look for Chromium: Debian's package, never a downloaded one.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@functools.cache
def root_missing() -> str | None:
    """Why the sandbox cannot run here, or None when this process is root."""
    if os.geteuid() == 0:
        return None
    return (f"needs root (running as uid {os.geteuid()}): the sandbox's child changes "
            "to a user of its own")


@functools.cache
def namespaces_missing() -> str | None:
    """Why a sandboxed child would report ``isolation: reduced``, or None for full isolation.

    A forked probe takes the child's first steps (new namespaces, private mounts, a
    tmpfs root and ``pivot_root``) with the sandbox's own calls, then exits; the
    steps happen in the probe's own namespaces, so nothing of this process changes.
    """
    if missing := root_missing():
        return missing
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the probe's own process
        os.close(read)
        message = b""
        try:
            limits.unshare_namespaces()
            limits.private_mounts()
            limits.mount("tmpfs", "/tmp", "tmpfs", limits.MS_NOSUID | limits.MS_NODEV,
                         "size=64k,mode=0700")
            os.chdir("/tmp")
            os.mkdir("old", 0o700)
            limits.pivot_root(".", "old")
        except OSError as exc:
            message = str(exc.strerror or exc).encode()
        with contextlib.suppress(OSError):
            os.write(write, message)
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        message = pipe.read().decode(errors="replace")
    os.waitpid(pid, 0)
    if not message:
        return None
    return (f"needs namespaces ({message}): without them the sandbox runs with "
            "isolation: reduced")


@functools.cache
def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None when Debian's Chromium is installed."""
    if Path(CHROMIUM).exists():
        return None
    return "needs Debian's chromium (as root, `make browser` installs it)"


# Marker name → its probe and what the marker means (registered by conftest).
MARKERS = {
    "needs_root": (root_missing, "runs student code in the sandbox, which needs root"),
    "needs_namespaces": (namespaces_missing,
                         "asserts full isolation: root, namespaces and pivot_root"),
    "needs_browser": (browser_missing, "drives Debian's Chromium"),
}


def skip_reason(markers: set[str], doc: str | None, name: str) -> str | None:
    """The one-line reason to skip a test with ``markers``, or None when it can run.

    The reason names the first missing capability, then what the test would prove: the
    first paragraph of its docstring, on one line.
    """
    for marker, (probe, _) in MARKERS.items():
        if marker in markers and (missing := probe()):
            summary = " ".join((doc or "").strip().split("\n\n")[0].split()) or name
            return f"{missing}; it would prove: {summary}"
    return None
