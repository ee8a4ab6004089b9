"""Known mistakes behind wrong answers, and how to recognise them.

When an answer is wrong, a hidden grader computes what each plausible mistake
would have produced on the same input (with the reference and a slightly
changed argument) and asks :func:`diagnose` which of them the student's answer
matches. The code found becomes the tag ``misconception:<code>`` on the
failing test and its hint is shown to the student.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

HINTS: dict[str, str] = {
    "kernel-flipped": (
        "Your output matches a true convolution, with the kernel flipped. In CNNs, "
        "'convolution' means cross-correlation: multiply each window by the kernel as it "
        "is, element by element, with no flipping."
    ),
    "missing-bias": (
        "Your output matches the right answer without the bias. Each filter adds its own "
        "bias b[c] to every position of its output channel."
    ),
    "stride-ignored": (
        "Your answer matches what stride 1 would give. With stride s the window moves s "
        "pixels at a time, so only every s-th position is computed and the output shrinks."
    ),
    "same-padding-wrong": (
        "The padding for 'same' is off. 'same' pads so that the output size is "
        "ceil(n / stride); the total padding is max((out - 1) * stride + f - n, 0), and when "
        "it is odd the extra row and column go at the bottom and right."
    ),
    "off-by-one": (
        "Your size is off by one. For 'valid' the number of window positions is "
        "floor((n - f) / stride) + 1: do not forget the + 1 and round down."
    ),
    "pool-mode-swapped": (
        "Your output is the other pooling mode: 'max' keeps the largest value of each "
        "window, 'average' takes the mean of the window."
    ),
    "params-missing-bias": (
        "Your count leaves out the biases. Every filter (or dense unit) has one bias, so "
        "add the number of filters (or units)."
    ),
    "params-missing-channels": (
        "Your count ignores the input channels. Each filter spans every input channel, so "
        "it has kernel_h * kernel_w * in_channels weights."
    ),
    "channels-first": (
        "Your array is laid out channels-first (N, C, H, W). This course uses channels-last "
        "(N, H, W, C), as Keras and TensorFlow do by default."
    ),
}
CODES: tuple[str, ...] = tuple(HINTS)

Candidates = Mapping[str, Any] | Callable[[], Mapping[str, Any]]


def same_value(got: Any, expected: Any) -> bool:
    """Whether two already-validated values agree (arrays within tolerance)."""
    if isinstance(expected, np.ndarray) or isinstance(got, np.ndarray):
        got_array, expected_array = np.asarray(got), np.asarray(expected)
        return got_array.shape == expected_array.shape and bool(
            np.allclose(got_array, expected_array, rtol=1e-6, atol=1e-6)
        )
    if isinstance(expected, list | tuple) and isinstance(got, list | tuple):
        return len(got) == len(expected) and all(
            same_value(g, e) for g, e in zip(got, expected, strict=True)
        )
    return bool(got == expected)


def diagnose(got: Any, expected: Any, candidates: Candidates) -> str | None:
    """The first known mistake whose result equals ``got``, if the right answer does not."""
    if same_value(got, expected):
        return None
    table = candidates() if callable(candidates) else candidates
    for code, wrong in table.items():
        if wrong is None or same_value(wrong, expected):
            continue  # a mistake that changes nothing here cannot be told apart
        if same_value(got, wrong):
            return code
    return None


def swap_same_padding(A: np.ndarray, f: tuple[int, int], stride: tuple[int, int]) -> np.ndarray:
    """``A`` padded as for 'same' but with the odd extra row and column on top and left."""
    pads = []
    for n, size, step in zip(A.shape[1:3], f, stride, strict=True):
        out = -(-n // step)
        total = max((out - 1) * step + size - n, 0)
        pads.append((total - total // 2, total // 2))
    return np.pad(A, ((0, 0), pads[0], pads[1], (0, 0)))


def pair(value: int | tuple[int, int] | list[int]) -> tuple[int, int]:
    """An int or (h, w) pair as a pair."""
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))


def nchw(array: np.ndarray) -> np.ndarray:
    """A channels-last batch laid out channels-first."""
    return np.transpose(array, (0, 3, 1, 2))
