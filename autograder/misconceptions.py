"""Known mistakes behind wrong answers, and how to recognise them.

When an answer is wrong, a hidden grader computes what each plausible mistake
would have produced on the same input (the ``*_variants`` builders below, made
from the reference with a slightly changed argument or input) and asks
:func:`diagnose` which of them the student's answer matches. The code found
becomes the tag ``misconception:<code>`` on the failing test and its hint is
shown to the student.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
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
        "Your size is off by one. The number of window positions is "
        "floor((n + 2p - f) / stride) + 1: do not forget the + 1, and round down."
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
        "Your code treats the data as channels-first (N, C, H, W) or returns it that way. "
        "This course uses channels-last (N, H, W, C), as Keras and TensorFlow do by default: "
        "a shape (H, W, C) has the channels last."
    ),
}
CODES: tuple[str, ...] = tuple(HINTS)

# What each mistake would return: code -> value, or (code, value) pairs when one
# mistake has several forms. None marks a mistake that cannot happen here.
Candidates = Mapping[str, Any] | Iterable[tuple[str, Any]]


def same_value(got: Any, expected: Any) -> bool:
    """Whether two validated values agree (arrays: same shape and close values)."""
    if isinstance(expected, np.ndarray) or isinstance(got, np.ndarray):
        got_array, expected_array = np.asarray(got), np.asarray(expected)
        if got_array.dtype.kind not in "biuf" or expected_array.dtype.kind not in "biuf":
            return False
        return got_array.shape == expected_array.shape and bool(
            np.allclose(got_array, expected_array, rtol=1e-6, atol=1e-6)
        )
    if type(expected) in (list, tuple) and type(got) in (list, tuple):
        return len(got) == len(expected) and all(
            same_value(g, e) for g, e in zip(got, expected, strict=True)
        )
    if type(got) in (int, float) and type(expected) in (int, float):
        return got == expected
    return False


def diagnose(got: Any, candidates: Candidates, *, expected: Any = None) -> str | None:
    """The first mistake whose result equals ``got``; None if ``got`` is the right answer.

    A candidate equal to ``expected`` is skipped: a mistake that changes
    nothing on this input cannot explain a wrong answer.
    """
    if expected is not None and same_value(got, expected):
        return None
    pairs = candidates.items() if isinstance(candidates, Mapping) else candidates
    for code, wrong in pairs:
        if wrong is None or (expected is not None and same_value(wrong, expected)):
            continue
        if same_value(got, wrong):
            return code
    return None


def safely(table: Callable[[], list[tuple[str, Any]]]) -> list[tuple[str, Any]]:
    """Build a candidate table; a mistake the reference cannot reproduce here is left out."""
    try:
        return table()
    except (ValueError, IndexError):
        return []


def _try(make: Callable[[], Any]) -> Any:
    try:
        return make()
    except (ValueError, IndexError):
        return None


# ---------------------------------------------------------------- small array helpers


def pair(value: int | tuple[int, int] | list[int]) -> tuple[int, int]:
    """An int or (h, w) pair as a pair."""
    return (int(value), int(value)) if isinstance(value, int) else (int(value[0]), int(value[1]))


def nchw(array: np.ndarray) -> np.ndarray:
    """A channels-last batch laid out channels-first."""
    return np.transpose(array, (0, 3, 1, 2))


def nhwc(array: np.ndarray) -> np.ndarray:
    """A channels-first batch laid out channels-last."""
    return np.transpose(array, (0, 2, 3, 1))


def same_pads(n: int, f: int, s: int) -> tuple[int, int]:
    """TensorFlow's 'same' padding along one axis: (before, after), the odd one after."""
    total = max((-(-n // s) - 1) * s + f - n, 0)
    return total // 2, total - total // 2


def wrong_same_inputs(
    A: np.ndarray, f: tuple[int, int], s: tuple[int, int], fill: float = 0.0
) -> list[np.ndarray]:
    """``A`` padded the wrong ways for 'same': odd extra row/col top-left, and f // 2 all round."""
    flipped = [same_pads(n, fi, si)[::-1] for n, fi, si in zip(A.shape[1:3], f, s, strict=True)]
    half = [(fi // 2, fi // 2) for fi in f]
    return [np.pad(A, ((0, 0), p[0], p[1], (0, 0)), constant_values=fill) for p in (flipped, half)]


def swap_same_padding(A: np.ndarray, f: tuple[int, int], stride: tuple[int, int]) -> np.ndarray:
    """``A`` padded as for 'same' but with the odd extra row and column on top and left."""
    return wrong_same_inputs(A, f, stride)[0]


# ---------------------------------------------------------------- variants: arrays


def conv_variants(conv: Callable, A, W, b, stride, padding) -> list[tuple[str, Any]]:
    """What ``conv_forward(A, W, b, stride, padding)`` returns under each known mistake."""

    def table() -> list[tuple[str, Any]]:
        right = conv(A, W, b, stride=stride, padding=padding)
        rows = [
            ("kernel-flipped", conv(A, W[::-1, ::-1], b, stride=stride, padding=padding)),
            ("missing-bias", conv(A, W, np.zeros_like(b), stride=stride, padding=padding)),
            ("stride-ignored", conv(A, W, b, stride=1, padding=padding)),
            ("channels-first", nchw(right)),
            ("channels-first", _try(lambda: nchw(conv(nhwc(A), W, b, stride, padding)))),
            ("off-by-one", right[:, :-1, :-1, :]),
        ]
        if padding == "same":
            for padded in [*wrong_same_inputs(A, W.shape[:2], pair(stride)), A]:
                wrong = _try(lambda p=padded: conv(p, W, b, stride, "valid"))
                rows.append(("same-padding-wrong", wrong))
        return rows

    return safely(table)


def filter_variants(apply: Callable, image, kernel) -> list[tuple[str, Any]]:
    """What ``apply_filter(image, kernel)`` returns under each known mistake."""
    return safely(lambda: [
        ("kernel-flipped", apply(image, kernel[::-1, ::-1])),
        ("off-by-one", apply(image, kernel)[:-1, :-1]),
    ])


def pool_variants(pool: Callable, A, pool_size, stride, mode, padding) -> list[tuple[str, Any]]:
    """What ``pool_forward`` returns under each known mistake."""

    def table() -> list[tuple[str, Any]]:
        other = "average" if mode == "max" else "max"
        right = pool(A, pool_size, stride, mode, padding)
        rows = [
            ("pool-mode-swapped", pool(A, pool_size, stride, other, padding)),
            ("stride-ignored", pool(A, pool_size, 1, mode, padding)),
            ("channels-first", nchw(right)),
            ("channels-first", _try(lambda: nchw(pool(nhwc(A), pool_size, stride, mode, padding)))),
            ("off-by-one", right[:, :-1, :-1, :]),
        ]
        if padding == "same":
            step = pair(stride if stride is not None else pool_size)
            # Max pooling pads with -inf; average pooling leaves padding out of the mean,
            # which no padded input reproduces, so only "no padding at all" is tried for it.
            wrongly_padded = (
                wrong_same_inputs(A, pair(pool_size), step, -np.inf) if mode == "max" else []
            )
            for padded in [*wrongly_padded, A]:
                wrong = _try(lambda p=padded: pool(p, pool_size, stride, mode, "valid"))
                rows.append(("same-padding-wrong", wrong))
        return rows

    return safely(table)


# ---------------------------------------------------------------- variants: sizes and shapes


def size_variants(n: int, f: int, stride: int, padding: str | int) -> list[tuple[str, int]]:
    """What ``conv_output_size(n, f, stride, padding)`` gives under each known mistake."""
    rows: list[tuple[str, int]] = []
    if stride != 1:
        rows.append(("stride-ignored", _length(n, f, 1, padding)))
    if padding == "same":
        rows += [
            ("same-padding-wrong", (n + 2 * (f // 2) - f) // stride + 1),
            ("same-padding-wrong", (n - f) // stride + 1),
            ("off-by-one", n // stride),
            ("off-by-one", math.ceil(n / stride) - 1),
        ]
    else:
        span = n + 2 * int(padding if padding != "valid" else 0) - f
        rows += [("off-by-one", span // stride), ("off-by-one", math.ceil(span / stride) + 1)]
    right = _length(n, f, stride, padding)
    # Any other answer one away is still an off-by-one, once the named forms had their turn.
    return [*rows, ("off-by-one", right - 1), ("off-by-one", right + 1)]


def _length(n: int, f: int, s: int, padding: str | int) -> int:
    if padding == "same":
        return -(-n // s)
    return (n + 2 * int(padding if padding != "valid" else 0) - f) // s + 1


def _axis_variants(n: int, f: int, s: int, padding: str | int) -> dict[str, int]:
    """One wrong length per code along one axis (the first form of each mistake)."""
    found: dict[str, int] = {}
    for code, value in size_variants(n, f, s, padding):
        found.setdefault(code, value)
    return found


def window_shape_variants(
    input_shape: tuple[int, int, int],
    window: int | tuple[int, int],
    stride: int | tuple[int, int],
    padding: str | int,
    filters: int | None = None,
) -> list[tuple[str, tuple[int, int, int]]]:
    """Output shapes of a conv (``filters`` given) or pooling layer under each known mistake."""
    h, w, c = input_shape
    depth = filters or c
    (fh, fw), (sh, sw) = pair(window), pair(stride)
    right = (_length(h, fh, sh, padding), _length(w, fw, sw, padding), depth)
    rows: list[tuple[str, tuple[int, int, int]]] = []
    along_h, along_w = _axis_variants(h, fh, sh, padding), _axis_variants(w, fw, sw, padding)
    for code in ("stride-ignored", "same-padding-wrong", "off-by-one"):
        if code in along_h or code in along_w:
            new_h, new_w = along_h.get(code, right[0]), along_w.get(code, right[1])
            rows += [(code, (new_h, new_w, depth)), (code, (new_h, right[1], depth)),
                     (code, (right[0], new_w, depth))]
    rows.append(("channels-first", (depth, right[0], right[1])))
    # input_shape read as (C, H, W): the "height" is W and the "width" is C.
    as_chw = (_length(w, fh, sh, padding), _length(c, fw, sw, padding))
    chw_depth = filters or h
    rows += [("channels-first", (*as_chw, chw_depth)), ("channels-first", (chw_depth, *as_chw))]
    return [(code, shape) for code, shape in rows if min(shape) > 0]


# ---------------------------------------------------------------- variants: parameter counts


def dense_params_variants(n_inputs: int, units: int, use_bias: bool) -> list[tuple[str, int]]:
    """What ``dense_params`` gives under each known mistake."""
    return [("params-missing-bias", n_inputs * units)]


def conv_params_variants(kernel_size, in_channels: int, filters: int,
                         use_bias: bool) -> list[tuple[str, int]]:
    """What ``conv2d_params`` gives under each known mistake."""
    kh, kw = pair(kernel_size)
    bias = filters if use_bias else 0
    return [
        ("params-missing-bias", kh * kw * in_channels * filters),
        ("params-missing-channels", kh * kw * filters + bias),
        ("params-missing-channels", kh * kw * filters),
    ]
