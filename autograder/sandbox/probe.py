"""The start probe: can a sandboxed child start on this machine at all?

A grader process asks once, when it is built: one child starts under the grader's
own :class:`~autograder.sandbox.config.SandboxConfig` on an empty scratch and
must answer a call. When it cannot, no submission could be graded here, so the
run stops with :class:`SandboxUnavailable` instead of giving every student a
crash. A submission that breaks its own child later still gets its own error.
"""

from __future__ import annotations

import os

from autograder.sandbox.child import BASE_UID
from autograder.sandbox.config import SandboxConfig
from autograder.sandbox.proxy import ChildCrashed, MissingCode, StudentError
from autograder.sandbox.scratch import host_scratch
from autograder.sandbox.session import Zygote

# A module the empty scratch does not hold: the child answers that it is missing.
PROBE_MODULE = "sandbox_probe"


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot start on this machine, so no submission can be graded here."""


def probe_sandbox(zygote: Zygote, config: SandboxConfig, slot: int = 0) -> str:
    """Start one child of ``zygote`` under ``config`` and check it answers; its isolation.

    Raises:
        SandboxUnavailable: the child did not start or did not answer; the message
            says why and, when this process is not root, what is missing.
    """
    with host_scratch("sandbox-probe") as scratch, zygote.spawn(scratch, config, slot) as session:
        try:
            session.call(PROBE_MODULE, "answer")
        except MissingCode:
            return session.isolation  # it answered: an empty scratch holds no module
        except StudentError as exc:
            raise SandboxUnavailable(unavailable_message(_reason(exc), slot)) from exc
    raise SandboxUnavailable(unavailable_message(
        f"its child answered a call into {PROBE_MODULE}, which does not exist", slot))


def _reason(exc: StudentError) -> str:
    """What went wrong in the child: the cause a failed start carries, else the error."""
    cause = exc.__cause__
    if isinstance(exc, ChildCrashed) and cause is not None and str(cause):
        return f"its child failed with {cause}"
    return str(exc)


def unavailable_message(reason: str, slot: int = 0) -> str:
    """The one message a run stops with: the child's own reason, then what is missing."""
    message = f"the sandbox cannot start on this machine: {reason}"
    if os.geteuid() != 0:
        message += (
            f". convgrade runs as uid {os.geteuid()}, not root: the sandbox's child runs "
            f"student code as a user of its own (uid {BASE_UID + slot}) and hands it its "
            "scratch folder, which only root may do. Run `convgrade grade` as root (for "
            "example in the grading container)"
        )
    return message + ". No submission was graded"
