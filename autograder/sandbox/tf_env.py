"""Environment settings that keep TensorFlow quiet and its results reproducible."""

from __future__ import annotations

import os

# TF_ENABLE_ONEDNN_OPTS=0 also silences the oneDNN notice that absl prints on
# import whatever TF_CPP_MIN_LOG_LEVEL says, and makes float sums run in a fixed order.
QUIET_TENSORFLOW = {"TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "0"}


def quiet_tensorflow() -> None:
    """Set the quiet defaults in this process, before TensorFlow is imported."""
    for name, value in QUIET_TENSORFLOW.items():
        os.environ.setdefault(name, value)
