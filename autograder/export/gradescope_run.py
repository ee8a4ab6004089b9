"""Entry point of the Gradescope ``run_autograder`` script: grade one submission.

Hidden tests are shown to the student after the grades are published; the
public self-check tests run too, worth no points, visible at once, so the
student sees at least what ``convgrade check`` would have told them.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from autograder.course.paths import PACKAGE_DIR, CourseLayout, course
from autograder.grading.attempt import attempt
from autograder.grading.plugin import run_graders
from autograder.grading.worker import GraderWorker
from autograder.load.submission import load_submission
from autograder.reporting.store import write_text_atomic
from autograder.settings import Settings
from autograder.student.check import public_tests


def gradescope_result(submission_dir: Path, worker: GraderWorker) -> dict[str, Any]:
    """The results.json for the files in ``submission_dir``."""
    started = time.monotonic()
    submission = load_submission(submission_dir)
    data = attempt(worker, submission, submission.id)
    for test in data["tests"]:
        test["visibility"] = "after_published"
    data["tests"] += _public_entries(submission, worker)
    data["execution_time"] = round(time.monotonic() - started, 3)
    data["stdout_visibility"] = "hidden"
    return data


def _public_entries(submission: Any, worker: GraderWorker) -> list[dict[str, Any]]:
    with worker.isolate(submission) as proxy:
        outcomes, _ = run_graders(
            proxy, submission.id, worker.state, graders=public_tests(include_model=True)
        )
    return [
        {
            "name": f"public: {o.name}",
            "score": 0.0,
            "max_score": 0.0,
            "status": o.status,
            "output": o.output,
            "visibility": "visible",
            "tags": list(o.tags),
            "exercise": o.exercise,
        }
        for o in outcomes
    ]


def hidden_paths(results_dir: Path, layout: CourseLayout) -> tuple[Path, ...]:
    """What the child must not see: the results folder and every copy of the course.

    ``setup.sh`` installs convgrade into a venv, so the course folder holds only
    material the child never needs (the graders, reference, keys, and whatever a
    build left behind): it is hidden whole. Where convgrade runs from the course
    folder itself, the course layout's secret paths are hidden instead.
    """
    hidden = [results_dir.resolve(), *layout.secret_paths()]
    if not PACKAGE_DIR.is_relative_to(layout.root.resolve()):
        hidden.append(layout.root.resolve())
    return tuple(dict.fromkeys(hidden))


def main(argv: list[str] | None = None) -> int:
    """Grade the submission in ``argv[0]`` and write Gradescope's results JSON to ``argv[1]``."""
    submission_dir, results_path = (Path(a) for a in (argv or sys.argv[1:]))
    settings = Settings(hidden_paths=hidden_paths(results_path.parent, course()))
    with GraderWorker(settings) as worker:
        data = gradescope_result(submission_dir, worker)
    write_text_atomic(results_path, json.dumps(data, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
