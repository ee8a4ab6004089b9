"""Every limit and default of a grading run, in one typed, frozen object.

A run builds one :class:`Settings`, once, in one of three places, and passes it
down explicitly (never through a module global that outlives the run):

- ``convgrade grade`` builds it from its flags with :meth:`Settings.from_limits`,
  whose defaults are the flags' defaults;
- the API, :func:`autograder.run.bulk.grade_paths`, takes one, or ``Settings()``;
- a Dask worker receives the caller's as an argument of each task, and keeps its
  warm grader only for as long as the tasks bring the same settings.

With no flag and no argument all three give ``Settings()``. From here the
settings go to the grader process (:class:`autograder.grading.worker.GraderWorker`),
its sandboxes (``sandbox``), its model child (``models``) and the hidden tests
(``options``).

Not here, on purpose: bounds that are part of what a submission is, which
``convgrade submit`` checks exactly as ``grade`` does (archive and file sizes in
``autograder.load``, a model's size in ``autograder.grading.keras.budget``), and
the protocol's own bounds (``autograder.sandbox.frames``). Changing those per
run would let a submission that ``submit`` accepted be refused by the grader.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from autograder.grading.keras.limits import ModelLimits
from autograder.grading.options import GradingOptions
from autograder.sandbox.config import SandboxConfig

# Grader-side work of a submission (loading, scoring, writing) on top of its sandbox budget.
GRACE_SECONDS = 60.0

_SANDBOX = SandboxConfig()
_MODELS = ModelLimits()


@dataclass(frozen=True)
class Settings:
    """How a run grades: limits on student code and models, and the hidden tests' options."""

    # Limits of each sandboxed child running student code: per-call time and CPU, memory,
    # scratch size, reply budgets and the submission's total time in student code.
    sandbox: SandboxConfig = field(default_factory=SandboxConfig)
    # Time and memory of the trusted child that rebuilds and trains student models.
    models: ModelLimits = field(default_factory=ModelLimits)
    # Training data, whether to train, and where finished trainings are kept.
    options: GradingOptions = field(default_factory=GradingOptions)
    # Wall-clock bound on one whole submission, grader-side work included.
    submission_limit: float = _SANDBOX.submission_seconds + GRACE_SECONDS
    # Paths the sandboxed child must not see beyond the course's secret paths,
    # such as the run's output folder (added by grade_paths, never by a person).
    hidden_paths: tuple[Path, ...] = ()

    @classmethod
    def from_limits(
        cls,
        *,
        call_timeout: float = _SANDBOX.call_timeout,
        submission_seconds: float = _SANDBOX.submission_seconds,
        memory_mb: int = _SANDBOX.memory_mb,
        training_seconds: float = _MODELS.training_seconds,
        data_path: Path | None = None,
        train_models: bool = True,
    ) -> Settings:
        """Settings from the limits a person chooses (``convgrade grade``'s flags).

        Args:
            call_timeout: seconds one call into student code may take (``--timeout``);
                its CPU limit is the same number of whole seconds, at least one.
            submission_seconds: seconds all of a submission's student code may take
                (``--submission-timeout``); the whole submission gets
                :data:`GRACE_SECONDS` more for the grader's own work.
            memory_mb: memory of student code, in MiB (``--memory``).
            training_seconds: seconds one model training may take (``--training-timeout``).
            data_path: an MNIST-style .npz to train on (``--data``).
            train_models: False checks models without training them (``--no-train``).
        """
        return cls(
            sandbox=SandboxConfig(
                call_timeout=call_timeout,
                cpu_seconds_per_call=max(1, int(call_timeout)),
                memory_mb=memory_mb,
                submission_seconds=submission_seconds,
            ),
            models=ModelLimits(training_seconds=training_seconds),
            options=GradingOptions(data_path=data_path, train_models=train_models),
            submission_limit=submission_seconds + GRACE_SECONDS,
        )
