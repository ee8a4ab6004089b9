"""``convgrade release``: build the student bundle.

The bundle holds the generated exercises (stubs, notebooks, ``answers.toml``,
``README.md``) at its root, a ``requirements.txt``, the quiz questions without
their keys, and the public self-check tests the course table names. The
``release`` command then proves it clean with :mod:`autograder.authoring.leaks`.
"""

from __future__ import annotations

from pathlib import Path

from autograder.authoring.generate import generate
from autograder.course.paths import PACKAGE_DIR, CourseLayout
from autograder.course.table import course_table

# Everything that ships, as (source, destination in the bundle). Sources ending in
# "/" are folders. "exercises/" is generated afresh from the reference rather than
# copied, so a stale exercises/ cannot ship, "requirements.txt" is REQUIREMENTS, and
# of "autograder/public/" only the package file and the tests the course table names
# ship. A missing source is skipped (the public tests may arrive after the stubs).
RELEASE_CONTENTS: tuple[tuple[str, str], ...] = (
    ("exercises/", ""),
    ("requirements.txt", "requirements.txt"),
    ("quizzes/questions.toml", "quizzes/questions.toml"),
    ("autograder/public/", "public_tests/"),
)
REQUIREMENTS = """\
# pip install -r requirements.txt gives you the `convgrade` command:
#   convgrade check    runs the public tests on your work
#   convgrade submit   packs your work into submission.zip
# Without the course's package index: pip install wheels/convgrade-*.whl
convgrade
"""


def _shipped(course: CourseLayout, source: str, folder: Path) -> list[Path]:
    """The files of a folder source that ship: for the public tests, those the table names."""
    files = sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)
    if source != "autograder/public/":
        return files
    named = {"__init__.py", *(e.public for e in course_table(course).exercises if e.public)}
    return [p for p in files if p.relative_to(folder).as_posix() in named]


def _forbidden(course: CourseLayout) -> list[Path]:
    """Instructor-only places no bundle source may be inside."""
    return [course.reference, course.graders, course.quiz_keys, course.root / "tests"]


def _bundle_files(course: CourseLayout) -> dict[str, bytes]:
    """Bundle-relative path -> content, for everything RELEASE_CONTENTS names."""
    files: dict[str, bytes] = {}
    for source, dest in RELEASE_CONTENTS:
        if source == "exercises/":
            for rel, text in generate(course).items():
                files[dest + rel.as_posix()] = text.encode("utf-8")
            continue
        if source == "requirements.txt":
            files[dest] = REQUIREMENTS.encode("utf-8")
            continue
        path = (course.root / source.rstrip("/")).resolve()
        for secret in _forbidden(course):
            if path.is_relative_to(secret.resolve()):
                raise ValueError(f"release source {source} is inside {secret}, which never ships")
        if path.is_file():
            files[dest] = path.read_bytes()
        elif path.is_dir():
            for item in _shipped(course, source, path):
                files[dest + item.relative_to(path).as_posix()] = item.read_bytes()
    return files


class ReleaseRefused(ValueError):
    """``release`` would overwrite work or write into the course it reads."""


def build_release(course: CourseLayout, out: Path, force: bool = False) -> list[Path]:
    """Write the student bundle to ``out``; returns the files written, sorted.

    A folder that is not empty may hold a student's finished work, which the
    stubs would overwrite: it is refused unless ``force``. Files already in
    ``out`` that the bundle does not hold are left alone, and
    ``assert_clean_bundle`` searches them too.

    Raises:
        ReleaseRefused: ``out`` is not empty (and not ``force``), or it is a
            folder the release reads from.
    """
    out = Path(out)
    _refuse_course_folders(course, out)
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ReleaseRefused(
            f"{out} is not empty; the bundle's stubs would overwrite the files there "
            "(perhaps finished work). Choose an empty or new folder, or use --force"
        )
    if out.exists() and not out.is_dir():
        raise ReleaseRefused(f"{out} is a file, not a folder")
    written = []
    for rel, content in _bundle_files(course).items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        written.append(path)
    return sorted(written)


def _refuse_course_folders(course: CourseLayout, out: Path) -> None:
    """Never write the bundle into, or over, what the release is built from."""
    target = out.resolve()
    sources = [course.reference, course.quizzes, course.exercises, PACKAGE_DIR, course.root]
    for source in sources:
        place = source.resolve()
        if target == place or (source is not course.root and target.is_relative_to(place)):
            raise ReleaseRefused(
                f"{out} is {'inside ' if target != place else ''}{source}, which the release "
                "is built from; choose a folder outside the course"
            )

