"""A warm grader: reference, quiz and sandbox zygote loaded once, many submissions graded."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from autograder.course.paths import CourseLayout, course
from autograder.course.table import course_table
from autograder.grading.keras.lab import ModelLab, ModelLimits
from autograder.grading.plugin import GraderState, GradingOptions, collect_plan
from autograder.load.modules import load_module_group
from autograder.load.submission import Submission, write_sources
from autograder.quiz.scoring import Quiz, load_quiz
from autograder.sandbox.scratch import host_scratch
from autograder.sandbox.session import SandboxConfig, Session, Zygote


@dataclass
class WorkerSettings:
    """How one grader process grades: sandbox limits and grading options."""

    sandbox: SandboxConfig = field(default_factory=SandboxConfig)
    options: GradingOptions = field(default_factory=GradingOptions)
    hidden_paths: tuple[Path, ...] = ()
    slot: int = 0
    # Wall-clock bound on one whole submission, grader-side work included.
    submission_limit: float = 300.0
    # Bounds on rebuilding and training student models (in their own sandboxed child).
    models: ModelLimits = field(default_factory=ModelLimits)


class GraderWorker:
    """Holds what every submission needs; student code only ever runs in its sandbox."""

    def __init__(self, settings: WorkerSettings, layout: CourseLayout | None = None) -> None:
        self.layout = layout or course()
        self.settings = settings
        self.zygote = Zygote()
        self.zygote.start()
        group = load_module_group(self.layout.reference, course_table(self.layout).names)
        if group.errors:
            raise RuntimeError(f"the reference solutions do not load: {group.errors}")
        self.quiz: Quiz = load_quiz(self.layout.quiz_questions, self.layout.quiz_keys)
        self.plan = collect_plan()  # the shape of a result when grading cannot finish
        hidden = (*self.layout.secret_paths(), *settings.hidden_paths)
        self.sandbox_config = _with_hidden(settings.sandbox, hidden)
        models = ModelLab(self.zygote, self.sandbox_config, slot=settings.slot,
                          limits=settings.models, cache_dir=settings.options.cache_dir)
        self.state = GraderState(reference=group.modules, options=settings.options,
                                 models=models)
        # The imports above are permanent: keep the collector from rescanning them.
        gc.freeze()

    @contextmanager
    def isolate(self, submission: Submission) -> Iterator[Session]:
        """A sandboxed session serving this submission's code from a private scratch dir."""
        with host_scratch(submission.id) as scratch:
            write_sources(submission, scratch)
            with self.zygote.spawn(
                scratch, self.sandbox_config, slot=self.settings.slot
            ) as session:
                yield session

    def close(self) -> None:
        self.state.models.close()
        self.zygote.close()

    def __enter__(self) -> GraderWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _with_hidden(config: SandboxConfig, hidden: tuple[Path, ...]) -> SandboxConfig:
    return replace(config, hidden_paths=tuple(dict.fromkeys((*config.hidden_paths, *hidden))))
