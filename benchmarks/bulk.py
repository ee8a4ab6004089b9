"""Bulk-grading benchmark: N synthetic submissions, graded as an instructor would.

Run with ``python benchmarks/bulk.py [--count 1000] [--workers N] [--unique-models]``. The class
mixes correct submissions, each typical NumPy mistake, untouched stubs and a
few distinct Keras architectures (so the training memo has work to save). It
prints submissions per minute, seconds per submission, the peak memory of the
whole process tree and the training-memo hit rate.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

from autograder.authoring.examples import EVERY, Sample, build_sample
from autograder.run.bulk import grade_paths

NUMPY_MISTAKES = ("kernel-flipped", "missing-bias", "pool-mode-swapped", "off-by-one",
                  "stride-ignored", "params-missing-bias")
# Extra Keras architectures: each override changes one model a little.
ARCHITECTURES = {
    "reference": "",
    "wider-dense": '''

def build_mnist_cnn(input_shape=(28, 28, 1), num_classes=10):
    model = keras.Sequential([
        keras.Input(shape=input_shape),
        keras.layers.Conv2D(64, 3, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(64, 3, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dense(num_classes, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
''',
    "small-baseline": '''

def build_dense_baseline(input_shape=(28, 28, 1), hidden_units=128, num_classes=10):
    model = keras.Sequential([
        keras.Input(shape=input_shape),
        keras.layers.Flatten(),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(num_classes, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
''',
}


# With --unique-models every submission's dense baseline gets its own hidden size,
# so every submission brings one model the memo has never seen: the worst case.
UNIQUE_BASELINE = '''

def build_dense_baseline(input_shape=(28, 28, 1), hidden_units=128, num_classes=10):
    model = keras.Sequential([
        keras.Input(shape=input_shape),
        keras.layers.Flatten(),
        keras.layers.Dense({units}, activation="relu"),
        keras.layers.Dense(num_classes, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
'''


def make_class(root: Path, count: int, unique_models: bool = False) -> list[Path]:
    """``count`` submissions cycling through mistakes, stubs and architectures."""
    kinds: list[tuple[str, ...]] = [(), *((m,) for m in NUMPY_MISTAKES), ("stubs",)]
    architectures = list(ARCHITECTURES)
    paths = []
    for index in range(count):
        kind = kinds[index % len(kinds)]
        sid = f"s{index:05d}"
        if kind == ("stubs",):
            sample = Sample(sid, stubs=(EVERY,), answers="")
        else:
            sample = Sample(sid, mistakes=kind)
        path = build_sample(sample, root)
        override = ARCHITECTURES[architectures[index % len(architectures)]]
        if unique_models:
            override = UNIQUE_BASELINE.format(units=129 + index)
        if override and kind != ("stubs",):
            with (path / "model.py").open("a", encoding="utf-8") as handle:
                handle.write(override)
        paths.append(path)
    return paths


class TreeMemory:
    """Samples the resident memory of this process and all its descendants."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self.peak = max(self.peak, _tree_rss(os.getpid()))


def _tree_rss(root: int) -> int:
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        parents[int(entry.name)] = int(fields.get("PPid", "0").strip())
        rss[int(entry.name)] = int(fields.get("VmRSS", "0 kB").split()[0]) * 1024
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack += [child for child, parent in parents.items() if parent == pid]
    return total


def memo_counts(out: Path) -> tuple[int, int]:
    """Training-memo hits and misses recorded by the model grader in the results."""
    hits = misses = 0
    for path in (out / "results").glob("*.json"):
        for test in json.loads(path.read_text())["tests"]:
            memo = test.get("details", {}).get("properties", {}).get("memo_hit")
            hits += memo is True
            misses += memo is False
    return hits, misses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--keep", action="store_true", help="keep the class and results")
    parser.add_argument("--unique-models", action="store_true",
                        help="give every submission a model no other has (worst case for the memo)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="convgrade-bench-"))
    try:
        started = time.monotonic()
        make_class(workdir / "class", args.count, args.unique_models)
        built = time.monotonic() - started
        with TreeMemory() as memory:
            started = time.monotonic()
            summary = grade_paths([workdir / "class"], workdir / "out", workers=args.workers)
            seconds = time.monotonic() - started
        hits, misses = memo_counts(workdir / "out")
        graded = len(summary.graded)
        print(f"submissions graded      {graded} ({len(summary.missing)} missing) "
              f"with {args.workers} workers; class built in {built:.1f} s")
        print(f"wall time               {seconds:.1f} s")
        print(f"submissions per minute  {60 * graded / seconds:.1f}")
        print(f"seconds per submission  {seconds / max(graded, 1):.3f}")
        print(f"peak memory (tree RSS)  {memory.peak / 2**30:.2f} GiB")
        rate = hits / (hits + misses) if hits + misses else 0.0
        print(f"training memo           {hits} hits, {misses} misses, hit rate {rate:.1%}")
        print(f"mean score              {summary.mean:.1f}")
        if args.keep:
            print(f"kept in {workdir}")
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
