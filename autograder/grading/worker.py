"""A warm grader: reference, quiz and sandbox zygote loaded once, many submissions graded."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from autograder.course.paths import CourseLayout, course
from autograder.course.table import course_table
from autograder.grading.keras.lab import ModelLab
from autograder.grading.plugin import GraderState, collect_plan
from autograder.load.modules import load_module_group
from autograder.load.submission import Submission, write_sources
from autograder.quiz.files import Quiz, load_quiz
from autograder.sandbox.config import SandboxConfig
from autograder.sandbox.probe import probe_sandbox
from autograder.sandbox.scratch import host_scratch
from autograder.sandbox.session import Session, Zygote
from autograder.sandbox.slots import claim_slot
from autograder.settings import Settings


class GraderWorker:
    """Holds what every submission needs; student code only ever runs in its sandbox."""

    def __init__(
        self, settings: Settings, layout: CourseLayout | None = None, *, slot: int = 0
    ) -> None:
        """Load everything once for ``settings``; ``slot`` gives its sandboxes their own user.

        Raises:
            SandboxUnavailable: no sandboxed child can start on this machine (for
                example without root), so no submission could be graded.
        """
        self.layout, self.slot_claim = layout or course(), claim_slot(slot)
        self.zygote = Zygote()
        self.zygote.start()
        try:
            probe_sandbox(self.zygote, self._sandbox_config(settings), self.slot)
        except BaseException:
            self.zygote.close()
            self.slot_claim.release()
            raise
        group = load_module_group(self.layout.reference, course_table(self.layout).names)
        if group.errors:
            raise RuntimeError(f"the reference solutions do not load: {group.errors}")
        self.reference = group.modules
        self.quiz: Quiz = load_quiz(self.layout.quiz_questions, self.layout.quiz_keys)
        self.plan = collect_plan()  # the shape of a result when grading cannot finish
        self._configure(settings)
        # The imports above are permanent: keep the collector from rescanning them.
        gc.freeze()

    @property
    def slot(self) -> int:
        """The slot this process holds (the requested one, or the next free one above it)."""
        return self.slot_claim.slot

    def reconfigure(self, settings: Settings) -> None:
        """Grade from now on under ``settings``, keeping the warm zygote, reference and quiz.

        What depends on the settings is built again: the sandbox limits, the model
        child and the state the hidden tests share (its datasets follow ``options``).
        """
        self.state.models.close()
        self._configure(settings)

    def _configure(self, settings: Settings) -> None:
        self.settings = settings
        self.sandbox_config = self._sandbox_config(settings)
        models = ModelLab(self.zygote, self.sandbox_config, slot=self.slot,
                          limits=settings.models, cache_dir=settings.options.cache_dir)
        self.state = GraderState(reference=self.reference, options=settings.options,
                                 models=models)

    def _sandbox_config(self, settings: Settings) -> SandboxConfig:
        hidden = (*self.layout.secret_paths(), *settings.hidden_paths)
        return _with_hidden(settings.sandbox, hidden)

    @contextmanager
    def isolate(self, submission: Submission) -> Iterator[Session]:
        """A sandboxed session serving this submission's code from a private scratch dir."""
        with host_scratch(submission.id) as scratch:
            write_sources(submission, scratch)
            with self.zygote.spawn(scratch, self.sandbox_config, slot=self.slot) as session:
                yield session

    def close(self) -> None:
        """Stop the model child and the zygote."""
        self.state.models.close()
        self.zygote.close()
        self.slot_claim.release()

    def __enter__(self) -> GraderWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _with_hidden(config: SandboxConfig, hidden: tuple[Path, ...]) -> SandboxConfig:
    return replace(config, hidden_paths=tuple(dict.fromkeys((*config.hidden_paths, *hidden))))
