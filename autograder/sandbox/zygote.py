"""The zygote: a process that imports NumPy, TensorFlow and Keras once, then forks children.

Run as ``python -m autograder.sandbox.zygote FD`` by :class:`Zygote`; FD is its
end of a SEQPACKET control socket. Each request carries a JSON
:class:`~autograder.sandbox.child.ChildSpec` and, as an SCM_RIGHTS ancillary
message, the child's end of a fresh socket pair. A forked child pays nothing
for TensorFlow's multi-second import. The zygote exits when the grader does.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys

from autograder.sandbox import limits


def preload() -> None:
    """Import what student code and model building need, once, before any fork."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras  # noqa: F401
    import numpy  # noqa: F401
    import tensorflow  # noqa: F401

    import autograder.sandbox.child  # noqa: F401  (the child must not import after hiding)


def serve(control: socket.socket) -> None:
    from autograder.sandbox.child import ChildSpec, run_keeper

    control.send(b"ready")
    while True:
        message, fds, _, _ = socket.recv_fds(control, 1 << 16, 1)
        if not message:
            return  # the grader closed the control socket: we are done
        fields = json.loads(message)
        spec = ChildSpec(**{**fields, "hidden_paths": tuple(fields["hidden_paths"])})
        pid = os.fork()
        if pid == 0:
            control.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            run_keeper(socket.socket(fileno=fds[0]), spec)
        for fd in fds:
            os.close(fd)


def main() -> None:
    limits.die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the grader's to handle
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # keepers are reaped automatically
    control = socket.socket(fileno=int(sys.argv[1]))
    preload()
    serve(control)


if __name__ == "__main__":
    main()
