"""Time ``convgrade similarity`` on a synthetic class of 1,000 distinct submissions.

Run with ``python benchmarks/similarity.py [--size N]``. The class holds N
students whose code shares only chance fragments, plus one disguised copy
(renamed, commented, reordered); the figure is the wall time of fingerprinting,
ranking every pair and writing ``pairs.csv`` and ``index.html``, and the check
is that the copy is ranked first within the one-minute budget.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from autograder.course.paths import course
from autograder.workspace.similarity import write_similarity
from autograder.workspace.synthetic import synthetic_class

BUDGET_SECONDS = 60.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000)
    args = parser.parse_args()
    students = synthetic_class(args.size - 1, copy_of=args.size // 2)
    lines = sum(t.count("\n") for files in students.values() for t in files.values())
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        analysis = write_similarity(Path(out), students, course())
        elapsed = time.perf_counter() - start
    top = analysis.pairs[0]
    found = {top.a, top.b} == {"copy", f"s{args.size // 2:04d}"}
    print(f"similarity: {len(students)} submissions ({lines} lines), "
          f"{len(analysis.pairs)} pairs ranked in {elapsed:.1f} s "
          f"(budget {BUDGET_SECONDS:.0f} s); top pair {top.a}/{top.b} {top.score:.2f}: "
          f"{'the disguised copy' if found else 'NOT the copy'}")
    return 0 if found and elapsed < BUDGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
