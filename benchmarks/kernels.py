"""Time the reference conv_forward / pool_forward against TensorFlow's kernels.

Run with ``TF_CPP_MIN_LOG_LEVEL=2 python benchmarks/kernels.py [--rounds N]``.
Each case is timed in several rounds, NumPy reference and ``tf.nn`` alike, so a
burst of load on a shared machine hits both sides; a figure is the median over
the rounds of the median of ``--repeats`` calls. The verdict judges the float64
cases only, the dtype every exercise uses. The float32 rows are information:
TensorFlow then computes in float32, while the reference always computes in float64.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder.course.paths import course
from autograder.load.modules import load_module_group

ALLOWED_RATIO = 3.0


@dataclass(frozen=True)
class Case:
    """One benchmark: an operation and its arguments."""

    name: str
    op: str  # "conv", "max" or "avg"
    input_shape: tuple[int, int, int, int]
    kernel_shape: tuple[int, int, int, int] | None = None  # conv only
    pool: int = 2
    stride: int = 1
    padding: str = "valid"


CASES: tuple[Case, ...] = (
    Case("conv 32x28x28x1 * 3x3x1x64", "conv", (32, 28, 28, 1), (3, 3, 1, 64)),
    Case("conv 32x13x13x64 * 3x3x64x64", "conv", (32, 13, 13, 64), (3, 3, 64, 64)),
    Case(
        "conv 64x28x28x8 * 5x5x8x16 s2 same", "conv", (64, 28, 28, 8), (5, 5, 8, 16), 2, 2, "same"
    ),
    Case("max pool 2x2 on 32x26x26x64", "max", (32, 26, 26, 64), pool=2, stride=2),
    Case("avg pool 2x2 on 32x26x26x64", "avg", (32, 26, 26, 64), pool=2, stride=2),
)


def median_ms(fn: Callable[[], Any], repeats: int, warmup: int) -> float:
    """Median wall time of ``fn`` in milliseconds after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000.0 * statistics.median(times)


def _calls(case: Case, dtype: type, ref: dict[str, Any], tf: Any, rng: np.random.Generator):
    """The reference call and the TensorFlow call for one case."""
    A = rng.standard_normal(case.input_shape).astype(dtype)
    A_tf = tf.constant(A)
    if case.op == "conv":
        W = rng.standard_normal(case.kernel_shape).astype(dtype)
        b = rng.standard_normal(case.kernel_shape[3]).astype(dtype)
        W_tf, b_tf = tf.constant(W), tf.constant(b)
        padding = case.padding.upper()

        def ours() -> np.ndarray:
            return ref["convolution"].conv_forward(
                A, W, b, stride=case.stride, padding=case.padding
            )

        def theirs() -> np.ndarray:
            out = tf.nn.conv2d(A_tf, W_tf, strides=case.stride, padding=padding) + b_tf
            return out.numpy()
    else:
        mode = "max" if case.op == "max" else "average"
        pool_fn = tf.nn.max_pool2d if case.op == "max" else tf.nn.avg_pool2d

        def ours() -> np.ndarray:
            return ref["pooling"].pool_forward(
                A, case.pool, case.stride, mode=mode, padding=case.padding
            )

        def theirs() -> np.ndarray:
            return pool_fn(A_tf, case.pool, case.stride, case.padding.upper()).numpy()

    return ours, theirs


def run(repeats: int, warmup: int, rounds: int) -> list[tuple[str, type, float, float]]:
    """Time every case in both dtypes; rows of (label, dtype, ours ms, tf ms)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    group = load_module_group(course().reference, ("convolution", "pooling"))
    if group.errors:
        raise SystemExit("cannot load the reference: " + "; ".join(group.errors.values()))
    rng = np.random.default_rng(0)
    labelled = [
        (case.name, dtype, *_calls(case, dtype, group.modules, tf, rng))
        for dtype in (np.float64, np.float32)
        for case in CASES
    ]
    for label, dtype, ours, theirs in labelled:
        tol = 1e-9 if dtype == np.float64 else 1e-3
        np.testing.assert_allclose(ours(), theirs(), rtol=tol, atol=tol, err_msg=label)
    ours_ms: list[list[float]] = [[] for _ in labelled]
    tf_ms: list[list[float]] = [[] for _ in labelled]
    for _ in range(rounds):
        # TensorFlow's worker threads keep spinning for a while after each op and would
        # slow the NumPy timings down, so within a round every NumPy timing runs first,
        # and each round starts after a pause.
        time.sleep(0.2)
        for times, (_, _, ours, _) in zip(ours_ms, labelled, strict=True):
            times.append(median_ms(ours, repeats, warmup))
        for times, (_, _, _, theirs) in zip(tf_ms, labelled, strict=True):
            times.append(median_ms(theirs, repeats, warmup))
    return [
        (label, dtype, statistics.median(a), statistics.median(b))
        for (label, dtype, _, _), a, b in zip(labelled, ours_ms, tf_ms, strict=True)
    ]


def _table(title: str, rows: list[tuple[str, type, float, float]], width: int) -> float:
    """Print one dtype's rows under a title; return the worst ratio."""
    print(title)
    print(f"  {'case':<{width}}  {'ours ms':>9}  {'tf ms':>9}  {'ratio':>6}")
    worst = 0.0
    for label, _, ours, theirs in rows:
        worst = max(worst, ours / theirs)
        print(f"  {label:<{width}}  {ours:9.2f}  {theirs:9.2f}  {ours / theirs:6.2f}")
    return worst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args(argv)
    rows = run(args.repeats, args.warmup, args.rounds)
    width = max(len(label) for label, *_ in rows)
    worst = _table(
        "float64, the dtype of the exercises (judged):",
        [row for row in rows if row[1] == np.float64],
        width,
    )
    _table(
        "float32, information only (TF computes in float32; the reference always in float64):",
        [row for row in rows if row[1] == np.float32],
        width,
    )
    verdict = "yes" if worst <= ALLOWED_RATIO else "no"
    print(
        f"every float64 ratio within {ALLOWED_RATIO:g}x of TensorFlow: {verdict} "
        f"(worst {worst:.2f}x)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
