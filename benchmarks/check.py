"""Time the student's self-check: ``convgrade check`` and ``check()`` in a notebook.

Run with ``python benchmarks/check.py [--rounds N]``. Each figure is the median
wall time over the rounds, taken in the same run as a bare
``python -c "import numpy"`` (and ``import keras``, the floor of any model
check) so the start-up cost of the machine is in view:

- ``convgrade check`` on finished NumPy files with ``model.py`` untouched
  (the target is under 1 s; TensorFlow must not be imported),
- ``convgrade check`` with the three model builders finished (under 5 s;
  TensorFlow is imported once, the models are built and compared),
- ``check("conv_forward")`` and ``check_all()`` on a namespace that already
  holds the functions, as in a notebook kernel (well under a second).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.course.paths import course
from autograder.sandbox.tf_env import QUIET_TENSORFLOW

NUMPY_FILES = ("convolution.py", "pooling.py", "shapes.py", "params.py")
TARGETS = {"numpy check": 1.0, "model check": 5.0}


def _seconds(command: list[str]) -> float:
    env = {**os.environ, **QUIET_TENSORFLOW}  # what the convgrade command sets for itself
    started = time.monotonic()
    subprocess.run(command, check=False, capture_output=True, env=env)
    return time.monotonic() - started


def _work(folder: Path, model_done: bool) -> Path:
    folder.mkdir()
    for name in NUMPY_FILES:
        shutil.copy(course().reference / name, folder / name)
    source = course().reference if model_done else course().exercises
    shutil.copy(source / "model.py", folder / "model.py")
    return folder


def _in_kernel(rounds: int) -> dict[str, float]:
    """``check`` and ``check_all`` timed in this process, the helper already imported."""
    from autograder.load.modules import load_module_group
    from autograder.student.notebook import check, check_all

    group = load_module_group(course().reference, tuple(n[:-3] for n in NUMPY_FILES))
    namespace: dict = {}
    for module in group.modules.values():
        namespace.update(vars(module))
    times: dict[str, list[float]] = {'check("conv_forward")': [], "check_all() (NumPy)": []}
    for _ in range(rounds):
        for label, run in (('check("conv_forward")', lambda: check("conv_forward", namespace)),
                           ("check_all() (NumPy)", lambda: check_all(namespace))):
            started = time.monotonic()
            run()
            times[label].append(time.monotonic() - started)
    return {label: statistics.median(values) for label, values in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="convgrade-bench-") as scratch:
        numpy_work = _work(Path(scratch) / "numpy", model_done=False)
        model_work = _work(Path(scratch) / "model", model_done=True)
        commands = {
            'python -c "import numpy"': [sys.executable, "-c", "import numpy"],
            "numpy check": [sys.executable, "-m", "autograder", "check", str(numpy_work)],
            'python -c "import keras"': [sys.executable, "-c", "import keras"],
            "model check": [sys.executable, "-m", "autograder", "check", str(model_work)],
        }
        times: dict[str, list[float]] = {label: [] for label in commands}
        for _ in range(args.rounds):  # interleaved, so a burst of load hits every command
            for label, command in commands.items():
                times[label].append(_seconds(command))
    figures = {label: statistics.median(values) for label, values in times.items()}
    figures.update(_in_kernel(args.rounds))
    print(f"{'what':<40} {'median s':>9}  target")
    verdict = 0
    for label, value in figures.items():
        target = TARGETS.get(label)
        mark = "" if target is None else f"< {target:g} s " + ("ok" if value < target else "MISSED")
        verdict |= target is not None and value >= target
        shown = {"numpy check": "convgrade check (NumPy done, model stub)",
                 "model check": "convgrade check (models done)"}.get(label, label)
        print(f"{shown:<40} {value:>9.3f}  {mark}")
    return int(verdict)


if __name__ == "__main__":
    sys.exit(main())
