"""What the hidden tests of a run are told (a part of :class:`autograder.settings.Settings`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class GradingOptions:
    """Settings shared by every hidden test of a run (the graders' ``options`` fixture)."""

    # An MNIST-style .npz to train models on instead of the bundled digits (``--data``).
    data_path: Path | None = None
    # False checks model architectures without training them (``--no-train``).
    train_models: bool = True
    # Where finished trainings are kept across grader processes and runs; None keeps them
    # in memory only. A local run sets it to its output folder's training cache.
    cache_dir: Path | None = None
