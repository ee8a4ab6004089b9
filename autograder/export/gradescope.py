"""Build a Gradescope autograder zip: ``setup.sh``, ``run_autograder`` and the course.

Gradescope unpacks the zip into ``/autograder/source``, runs ``setup.sh`` once
to build the image, then ``run_autograder`` per submission with the student's
files in ``/autograder/submission``; it reads ``/autograder/results/results.json``.
The zip carries convgrade itself (installed by ``setup.sh``; the wheel holds
no graders) and the course files it grades against. The student's sandbox sees
none of them: ``run_autograder`` hides the whole course folder, so no copy of
the graders, reference or keys is readable (see ``gradescope_run.hidden_paths``).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from autograder.course.paths import CourseLayout

# Course material the grader needs, relative to the course root.
COURSE_PARTS: tuple[str, ...] = (
    "pyproject.toml",
    "README.md",
    "autograder",
    "reference",
    "quizzes",
)
_SKIP = {"__pycache__", ".pytest_cache"}

SETUP_SH = """\
#!/usr/bin/env bash
# Installs convgrade and its grading stack into the Gradescope image (runs once).
set -euo pipefail
apt-get update -q
apt-get install -y -q python3 python3-venv python3-pip
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install --quiet --upgrade pip
/autograder/venv/bin/pip install --quiet /autograder/source
"""

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# Grades /autograder/submission into /autograder/results/results.json.
set -uo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PYTHON="${CONVGRADE_PYTHON:-$ROOT/venv/bin/python}"
export CONVGRADE_COURSE="$ROOT/source" TF_CPP_MIN_LOG_LEVEL=2 TF_ENABLE_ONEDNN_OPTS=0
mkdir -p "$ROOT/results"
exec "$PYTHON" -m autograder.export.gradescope_run "$ROOT/submission" "$ROOT/results/results.json"
"""


def build_gradescope_zip(course: CourseLayout, out: Path) -> Path:
    """Write the autograder zip to ``out`` and return its path."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        _add_script(archive, "setup.sh", SETUP_SH)
        _add_script(archive, "run_autograder", RUN_AUTOGRADER)
        for part in COURSE_PARTS:
            source = course.root / part
            files = [source] if source.is_file() else sorted(source.rglob("*"))
            for path in files:
                if path.is_file() and not _SKIP & set(path.parts):
                    archive.write(path, path.relative_to(course.root).as_posix())
    return out


def _add_script(archive: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.external_attr = 0o100755 << 16  # a regular, executable file
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, text)
