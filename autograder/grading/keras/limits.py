"""Bounds on the trusted model child (a part of :class:`autograder.settings.Settings`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelLimits:
    """Bounds on the model child's work (rebuilding and training student models)."""

    # Wall-clock seconds one training may take (``--training-timeout``); a submission
    # near its own deadline gets less.
    training_seconds: float = 60.0
    # Wall-clock seconds to rebuild and describe one model, or to load the training data.
    describe_seconds: float = 30.0
    # Address space of the model child, in MiB (apart from student code's ``--memory``).
    memory_mb: int = 2048
    # Tasks served by one child; then a fresh child, so no state builds up across many models.
    tasks_per_child: int = 50
