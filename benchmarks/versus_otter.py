"""Bulk grading against ``otter run``: seconds per submission, side by side, in one run.

Run with ``python benchmarks/versus_otter.py [--count 200] [--otter 3] [--workers N]``.
It exports this assignment for otter (``build_otter_master``), runs ``otter
assign`` on it, and times ``otter run -a AUTOGRADER.zip`` on ``--otter``
filled-in notebooks (otter's solution notebook, one ``otter run`` each, as
otter grades). convgrade then grades those same notebooks plus ``--count``
submissions of the usual mix from ``bulk.py``. Everything runs offline:
``otter run`` grades in a local Jupyter kernel (this interpreter), never in
docker, and installs nothing. The last line says whether convgrade meets the
goal of grading at least 10 times faster per submission; convgrade's fixed
costs (importing TensorFlow once, training each distinct model once) need a
class of a couple of hundred to spread out, hence the default count.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bulk import make_class

from autograder.course.paths import course
from autograder.export.otter import MASTER_NAME, build_otter_master, local_kernel_env
from autograder.run.bulk import grade_paths

GOAL = 10.0
OTTER = Path(sys.executable).with_name("otter")


def otter(args: list[str], env: dict[str, str], cwd: Path) -> None:
    """Run one otter command; stop the benchmark with otter's output if it fails."""
    done = subprocess.run([str(OTTER), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=900)
    if done.returncode != 0:
        raise SystemExit(f"otter {args[0]} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")


def build_otter(work: Path, env: dict[str, str]) -> tuple[Path, Path]:
    """The autograder zip and the solution notebook that ``otter assign`` writes."""
    master = build_otter_master(course(), work / "master")
    dist = work / "dist"
    otter(["assign", str(master), str(dist)], env, work)
    (zip_path,) = (dist / "autograder").glob("*-autograder_*.zip")
    return zip_path, dist / "autograder" / MASTER_NAME


def time_otter(zip_path: Path, notebooks: list[Path], work: Path,
               env: dict[str, str]) -> list[tuple[float, float]]:
    """Wall seconds and score of ``otter run`` on each notebook, one at a time."""
    runs = []
    for notebook in notebooks:
        out = work / "otter-out" / notebook.stem
        out.mkdir(parents=True)
        started = time.monotonic()
        otter(["run", "--no-logo", "-a", str(zip_path), "-o", str(out), str(notebook)],
              env, out)
        seconds = time.monotonic() - started
        tests = json.loads((out / "results.json").read_text())["tests"]
        runs.append((seconds, sum(t.get("score", 0) for t in tests)))
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200,
                        help="submissions of the usual mix graded by convgrade as well")
    parser.add_argument("--otter", type=int, default=3, help="notebooks graded by both")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="convgrade-vs-otter-"))
    try:
        env = local_kernel_env(work / "jupyter")
        zip_path, solution = build_otter(work, env)
        notebooks = []
        for index in range(args.otter):
            notebooks.append(work / "class" / f"otter{index:02d}.ipynb")
            notebooks[-1].parent.mkdir(exist_ok=True)
            shutil.copyfile(solution, notebooks[-1])
        otter_runs = time_otter(zip_path, notebooks, work, env)

        make_class(work / "class", args.count)
        started = time.monotonic()
        summary = grade_paths([work / "class"], work / "out", workers=args.workers)
        seconds = time.monotonic() - started
        graded = len(summary.graded)
        ours = seconds / max(graded, 1)
        results = [json.loads((work / "out" / "results" / f"{nb.stem}.json").read_text())
                   for nb in notebooks]
        # otter's notebook has no quiz answers: convgrade's quiz points are lost there.
        scores = [f"{r['score']:g}/{r['max_score']:g}" for r in results]

        theirs = statistics.mean(s for s, _ in otter_runs)
        ratio = theirs / ours
        print(f"otter run, {len(otter_runs)} notebooks one at a time: "
              + ", ".join(f"{s:.1f} s (score {p:g})" for s, p in otter_runs))
        print(f"otter seconds per submission      {theirs:.2f}")
        print(f"convgrade: {graded} submissions ({len(notebooks)} of them these notebooks, "
              f"scores {', '.join(scores)}) with {args.workers} workers "
              f"in {seconds:.1f} s")
        print(f"convgrade seconds per submission  {ours:.3f}")
        print(f"ratio                             {ratio:.1f}x")
        verdict = "PASS" if ratio >= GOAL else "FAIL"
        print(f"{verdict}: convgrade is {ratio:.1f}x faster per submission (goal {GOAL:g}x)")
        if args.keep:
            print(f"kept in {work}")
        if verdict == "FAIL":
            raise SystemExit(1)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
