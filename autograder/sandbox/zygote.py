"""The zygote: a process that imports NumPy, TensorFlow and Keras once, then forks children.

Run as ``python -m autograder.sandbox.zygote FD`` by
:class:`~autograder.sandbox.session.Zygote`; FD is its end of a SEQPACKET
control socket. Each request carries a JSON
:class:`~autograder.sandbox.child.ChildSpec` and, as SCM_RIGHTS ancillary data,
the child's end of a fresh socket pair and the write end of its output pipe.
A forked child pays nothing for TensorFlow's multi-second import. The zygote
exits when the control socket closes, that is when the grader is gone.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys

from autograder.sandbox.tf_env import quiet_tensorflow


def preload() -> None:
    """Import what student code and model building need, once, before any fork."""
    quiet_tensorflow()
    import keras  # noqa: F401
    import numpy  # noqa: F401
    import tensorflow as tf

    # Few threads: they count against the child's process limit.
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)

    import encodings.cp437  # noqa: F401  (np.load of an npz reads zip names with it)

    # Served by trusted model children, which must not import after the walls are up.
    import autograder.grading.keras.tasks
    import autograder.sandbox.child  # noqa: F401  (one import for every child)
    from autograder.sandbox.rootfs import import_roots

    import_roots()  # once here, not in every child


def serve(control: socket.socket) -> None:
    """Fork a child for each request on ``control`` until the grader closes it."""
    from autograder.sandbox.child import ChildSpec, run_keeper

    control.send(b"ready")
    while True:
        message, fds, _, _ = socket.recv_fds(control, 1 << 16, 2)
        if not message:
            return  # the grader closed the control socket: we are done
        if len(fds) != 2:
            for fd in fds:
                os.close(fd)
            continue
        fields = json.loads(message)
        spec = ChildSpec(**{**fields, "hidden_paths": tuple(fields["hidden_paths"])})
        pid = os.fork()
        if pid == 0:
            control.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            run_keeper(socket.socket(fileno=fds[0]), fds[1], spec)
        for fd in fds:
            os.close(fd)


def main() -> None:
    """The zygote process: preload the libraries, then serve the control socket in ``argv[1]``."""
    # No parent-death signal here: it fires when the *thread* that started us
    # ends, and graders may start the zygote from a worker thread.
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the grader's to handle
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # keepers are reaped automatically
    control = socket.socket(fileno=int(sys.argv[1]))
    preload()
    serve(control)


if __name__ == "__main__":
    main()
