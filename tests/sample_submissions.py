"""Submissions for the engine's own tests, built like the demo samples."""

from __future__ import annotations

from pathlib import Path

from autograder.authoring.examples import CORRECT_ANSWERS, EVERY, MISTAKES, Sample, build_sample

HANGS = '''

def zero_pad(X, pad):
    while True:
        pass
'''


def reference_submission(dest: Path, sid: str = "ref", form: str = "directory") -> Path:
    """The reference solutions packed as a student would submit them."""
    return build_sample(Sample(sid, form=form), dest)


def stub_submission(dest: Path, sid: str = "stubs") -> Path:
    """The untouched student stubs and an empty quiz."""
    return build_sample(Sample(sid, stubs=(EVERY,), answers=""), dest)


def mistaken_submission(dest: Path, sid: str, *mistakes: str) -> Path:
    """The reference with some of the demo's typical mistakes."""
    unknown = set(mistakes) - set(MISTAKES)
    assert not unknown, f"no such mistake: {unknown}"
    return build_sample(Sample(sid, mistakes=mistakes, answers=CORRECT_ANSWERS), dest)


def hanging_submission(dest: Path, sid: str = "hangs") -> Path:
    """The reference whose ``zero_pad`` never returns."""
    path = reference_submission(dest, sid)
    with (path / "convolution.py").open("a", encoding="utf-8") as handle:
        handle.write(HANGS)
    return path


def notebook_bundle(dest: Path, sid: str = "bundle") -> Path:
    """The released student bundle in which only the assignment notebook was filled in."""
    from autograder.authoring.examples import CORRECT_ANSWERS, Sample
    from autograder.authoring.release import build_release
    from autograder.course.paths import course

    bundle = dest / sid
    build_release(course(), bundle)
    filled = build_sample(Sample(f"{sid}-nb", form="notebook", answers=CORRECT_ANSWERS), dest)
    (bundle / "notebooks" / "assignment.ipynb").write_bytes(filled.read_bytes())
    return bundle
