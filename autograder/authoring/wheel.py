"""The wheel students install to get ``convgrade check`` and ``submit``, built offline.

The hidden graders live beside the package's code in the checkout but are left
out of every wheel by ``pyproject.toml``; ``convgrade release`` builds the
student wheel and searches it (see :func:`autograder.authoring.leaks.wheel_leaks`) so
that a change to the packaging cannot quietly ship them. The student wheel also
leaves out the instructor's tools (``authoring``, ``export``: they hold sample
answers) and carries the student README as its description, not the
instructor's. The build runs on a private copy of the sources: setuptools
reuses an existing ``build/`` folder, where an older build could still hold
files that no longer belong in the wheel.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from autograder.course.paths import PACKAGE_DIR

BUILD_SECONDS = 300
MAX_WHEEL_BYTES = 64 * 1024 * 1024
# Parts of a path that mark instructor material, wherever they appear in a wheel.
HIDDEN_PARTS = {"graders": "a hidden grader", "reference": "reference material"}
HIDDEN_NAMES = {"keys.toml": "the quiz answer key"}
_SOURCE_FILES = ("pyproject.toml", "README.md", "LICENSE")
INSTRUCTOR_TOOLS = ("authoring", "export")


class WheelError(RuntimeError):
    """The student wheel could not be built or read; the message says why."""


def build_student_wheel(
    dest: Path, source: Path | None = None, readme: Path | None = None
) -> Path:
    """Build the student wheel from ``source`` (this checkout) into ``dest``; return its path.

    ``readme`` (the student README) replaces the checkout's README as the
    wheel's description.

    Raises:
        WheelError: ``source`` is not a checkout, or pip failed (its message is kept).
    """
    source = source or PACKAGE_DIR.parent
    if not (source / "pyproject.toml").is_file():
        raise WheelError(
            f"{source} holds no pyproject.toml: build the student wheel from a convgrade checkout"
        )
    with tempfile.TemporaryDirectory(prefix="convgrade-wheel-") as tmp:
        copy, built = Path(tmp) / "src", Path(tmp) / "dist"
        shutil.copytree(source / "autograder", copy / "autograder",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        for tool in INSTRUCTOR_TOOLS:
            shutil.rmtree(copy / "autograder" / tool, ignore_errors=True)
        for name in _SOURCE_FILES:
            if (source / name).is_file():
                shutil.copy2(source / name, copy / name)
        if readme is not None:
            shutil.copy2(readme, copy / "README.md")
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                   "--no-index", "--quiet", "--wheel-dir", str(built), str(copy)]
        env = {**os.environ, "PIP_NO_INPUT": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
        try:
            done = subprocess.run(command, capture_output=True, text=True, env=env,
                                  timeout=BUILD_SECONDS, cwd=tmp)
        except subprocess.TimeoutExpired as exc:
            raise WheelError(f"pip wheel did not finish within {BUILD_SECONDS} s") from exc
        wheels = sorted(built.glob("*.whl"))
        if done.returncode != 0 or len(wheels) != 1:
            raise WheelError(f"pip wheel failed: {done.stderr.strip()[-2000:]}")
        dest.mkdir(parents=True, exist_ok=True)
        target = dest / wheels[0].name
        shutil.copyfile(wheels[0], target)
    return target


def wheel_members(wheel: Path) -> dict[str, bytes]:
    """Every file in ``wheel`` by name, read within a size cap.

    Raises:
        ValueError: the file is not a readable zip, or it unpacks to too much.
    """
    members: dict[str, bytes] = {}
    try:
        with zipfile.ZipFile(wheel) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir()]
            if sum(i.file_size for i in infos) > MAX_WHEEL_BYTES:
                raise ValueError("it unpacks to more than 64 MiB")
            for info in infos:
                members[info.filename] = archive.read(info)
    except (OSError, zipfile.BadZipFile) as exc:
        raise ValueError(str(exc)) from exc
    return members


def hidden_member(name: str) -> str | None:
    """Why a wheel member named ``name`` is instructor material, or None."""
    path = PurePosixPath(name)
    for part in path.parts[:-1]:
        if part in HIDDEN_PARTS:
            return HIDDEN_PARTS[part]
    return HIDDEN_NAMES.get(path.name)
