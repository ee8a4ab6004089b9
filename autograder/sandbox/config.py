"""The limits one sandboxed child runs under (a part of :class:`autograder.settings.Settings`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SandboxConfig:
    """Limits on student code; the defaults suit one CNN assignment.

    A grading run builds it once, inside :class:`autograder.settings.Settings`
    (``convgrade grade --timeout/--submission-timeout/--memory`` set the first,
    the last and ``memory_mb``); model children start from it with their own
    time and memory budgets.
    """

    # Wall-clock seconds one call into student code may take.
    call_timeout: float = 10.0
    # CPU seconds one call may use (RLIMIT_CPU); the CLI derives it from call_timeout.
    cpu_seconds_per_call: int = 10
    # Address space of the child, in MiB.
    memory_mb: int = 2048
    # Largest file the child may write, in MiB.
    file_size_mb: int = 16
    # The child's only writable place: a tmpfs of this size inside its own namespace.
    scratch_mb: int = 64
    max_processes: int = 64
    # Printed output kept per call, in bytes.
    output_bytes: int = 16384
    # What the grader decodes from the child: one reply, and all replies of a submission.
    reply_mb: int = 64
    submission_reply_mb: int = 1024
    # Wall-clock seconds all calls of one submission may take together.
    submission_seconds: float = 300.0
    # Host paths the child must not see, beyond what its allow-listed filesystem omits.
    hidden_paths: tuple[Path, ...] = ()
    # False runs the child without namespaces (its result then says so), e.g. to test that path.
    use_namespaces: bool = True
