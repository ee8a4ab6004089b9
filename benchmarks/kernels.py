"""Time the reference conv_forward / pool_forward against TensorFlow's kernels.

Run with ``TF_CPP_MIN_LOG_LEVEL=2 python benchmarks/kernels.py [--repeats N]``.
Each case reports the median of N timed calls after warm-up calls, for our
NumPy reference and for ``tf.nn`` on the same data, in float64 and in float32
(TensorFlow computes in the input's dtype; the reference always computes in
float64). The last line says whether every case is within the allowed ratio.
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

from autograder.modules import load_module_group
from autograder.paths import course

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


def run(repeats: int, warmup: int) -> list[tuple[str, float, float]]:
    """Time every case in both dtypes; rows of (label, ours ms, tf ms)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    group = load_module_group(course().reference, ("convolution", "pooling"))
    if group.errors:
        raise SystemExit("cannot load the reference: " + "; ".join(group.errors.values()))
    rng = np.random.default_rng(0)
    labelled = [
        (f"{case.name} {np.dtype(dtype).name}", dtype, *_calls(case, dtype, group.modules, tf, rng))
        for case in CASES
        for dtype in (np.float64, np.float32)
    ]
    # TensorFlow's worker threads keep spinning for a while after each op and would
    # slow the NumPy timings down, so every NumPy timing runs before any TF op.
    ours_ms = [median_ms(ours, repeats, warmup) for _, _, ours, _ in labelled]
    tf_ms = [median_ms(theirs, repeats, warmup) for _, _, _, theirs in labelled]
    for label, dtype, ours, theirs in labelled:
        tol = 1e-9 if dtype == np.float64 else 1e-3
        np.testing.assert_allclose(ours(), theirs(), rtol=tol, atol=tol, err_msg=label)
    return [(row[0], a, b) for row, a, b in zip(labelled, ours_ms, tf_ms, strict=True)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args(argv)
    rows = run(args.repeats, args.warmup)
    width = max(len(label) for label, _, _ in rows)
    print(f"{'case':<{width}}  {'ours ms':>9}  {'tf ms':>9}  {'ratio':>6}")
    worst = 0.0
    for label, ours, theirs in rows:
        ratio = ours / theirs
        worst = max(worst, ratio)
        print(f"{label:<{width}}  {ours:9.2f}  {theirs:9.2f}  {ratio:6.2f}")
    verdict = "yes" if worst <= ALLOWED_RATIO else "no"
    print(f"every ratio within {ALLOWED_RATIO:g}x of TensorFlow: {verdict} (worst {worst:.2f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
