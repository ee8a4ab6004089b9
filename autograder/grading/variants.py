"""What each known mistake would return: the candidate tables of the diagnoses.

Each builder re-runs the reference with one argument or input changed (the
kernel flipped, the bias zeroed, the stride set to 1, ...) and returns
``(code, value)`` pairs in priority order, for
:func:`autograder.grading.misconceptions.diagnose`. A mistake that the reference
cannot reproduce on an input is left out.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from autograder.grading.misconceptions import Fallback

Rows = list[tuple[str, Any]]


def safely(table: Callable[[], Rows]) -> Rows:
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


def swapped(value: Any) -> Any:
    """An (h, w) pair read the other way round; an int stays as it is."""
    return value if isinstance(value, int) or value is None else (value[1], value[0])


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
    """``A`` padded the wrong ways for 'same'.

    The odd extra row/column on top and left; f // 2 all round; (f - 1) // 2 all
    round (symmetric padding, which an even kernel cannot have).
    """
    axes = list(zip(A.shape[1:3], f, s, strict=True))
    ways = [
        [same_pads(n, fi, si)[::-1] for n, fi, si in axes],
        [(fi // 2, fi // 2) for fi in f],
        [((fi - 1) // 2, (fi - 1) // 2) for fi in f],
    ]
    return [np.pad(A, ((0, 0), p[0], p[1], (0, 0)), constant_values=fill) for p in ways]


def _floor_crop(right: np.ndarray, A: np.ndarray, step: tuple[int, int]) -> np.ndarray | None:
    """The 'same' output cut to floor(n / stride) rows and columns."""
    rows, cols = A.shape[1] // step[0], A.shape[2] // step[1]
    return right[:, :rows, :cols, :] if min(rows, cols) >= 1 else None


def _transposed(right: np.ndarray) -> np.ndarray:
    return np.transpose(right, (0, 2, 1, 3))


# ---------------------------------------------------------------- variants: arrays


def conv_variants(conv: Callable, A, W, b, stride, padding) -> Rows:
    """What ``conv_forward(A, W, b, stride, padding)`` returns under each known mistake."""

    def table() -> Rows:
        right = conv(A, W, b, stride=stride, padding=padding)
        rows: Rows = [
            ("kernel-flipped", conv(A, W[::-1, ::-1], b, stride=stride, padding=padding)),
            ("missing-bias", conv(A, W, np.zeros_like(b), stride=stride, padding=padding)),
            ("stride-ignored", conv(A, W, b, stride=1, padding=padding)),
            ("integer-output", np.trunc(right)),
            ("height-width-swapped", _try(lambda: conv(A, W, b, swapped(stride), padding))),
            ("height-width-swapped", _transposed(right)),
            ("channels-first", nchw(right)),
            ("channels-first", _try(lambda: nchw(conv(nhwc(A), W, b, stride, padding)))),
        ]
        if padding == "same":
            rows.append(("floor-instead-of-ceil", _floor_crop(right, A, pair(stride))))
            for padded in [*wrong_same_inputs(A, W.shape[:2], pair(stride)), A]:
                wrong = _try(lambda p=padded: conv(p, W, b, stride, "valid"))
                rows.append(("same-padding-wrong", wrong))
        rows.append(("off-by-one", right[:, :-1, :-1, :]))
        return rows

    return safely(table)


def filter_variants(apply: Callable, image, kernel) -> Rows:
    """What ``apply_filter(image, kernel)`` returns under each known mistake."""

    def table() -> Rows:
        right = apply(image, kernel)
        return [
            ("kernel-flipped", apply(image, kernel[::-1, ::-1])),
            ("integer-output", np.trunc(right)),
            ("height-width-swapped", right.T),
            ("off-by-one", right[:-1, :-1]),
        ]

    return safely(table)


def pool_variants(pool: Callable, A, pool_size, stride, mode, padding) -> Rows:
    """What ``pool_forward`` returns under each known mistake."""

    def table() -> Rows:
        other = "average" if mode == "max" else "max"
        right = pool(A, pool_size, stride, mode, padding)
        step = pair(stride if stride is not None else pool_size)
        rows: Rows = [
            ("pool-mode-swapped", pool(A, pool_size, stride, other, padding)),
            ("stride-ignored", pool(A, pool_size, 1, mode, padding)),
            ("integer-output", np.trunc(right)),
            ("height-width-swapped",
             _try(lambda: pool(A, swapped(pool_size), swapped(stride), mode, padding))),
            ("height-width-swapped",
             _try(lambda: pool(A, pool_size, swapped(step), mode, padding))),
            ("height-width-swapped", _transposed(right)),
            ("channels-first", nchw(right)),
            ("channels-first", _try(lambda: nchw(pool(nhwc(A), pool_size, stride, mode, padding)))),
        ]
        if padding != "valid" and mode == "average":
            # Zeros padded as for max pooling, then divided by the whole window.
            rows.append(("average-counts-padding", _try(lambda: _average_with_zeros(
                pool, A, pool_size, step, padding))))
        if padding == "same":
            rows.append(("floor-instead-of-ceil", _floor_crop(right, A, step)))
            # Max pooling pads with -inf; average pooling leaves padding out of the mean,
            # which no padded input reproduces, so only "no padding at all" is tried for it.
            wrongly_padded = (
                wrong_same_inputs(A, pair(pool_size), step, -np.inf) if mode == "max" else []
            )
            for padded in [*wrongly_padded, A]:
                wrong = _try(lambda p=padded: pool(p, pool_size, stride, mode, "valid"))
                rows.append(("same-padding-wrong", wrong))
        rows.append(("off-by-one", right[:, :-1, :-1, :]))
        return rows

    return safely(table)


def _average_with_zeros(pool: Callable, A, pool_size, step, padding) -> np.ndarray:
    window = pair(pool_size)
    if padding == "same":
        pads = [same_pads(n, f, s) for n, f, s in zip(A.shape[1:3], window, step, strict=True)]
    else:
        pads = [(int(padding), int(padding))] * 2
    padded = np.pad(A, ((0, 0), pads[0], pads[1], (0, 0)))
    return pool(padded, pool_size, step, "average", "valid")


# ---------------------------------------------------------------- variants: sizes and shapes


def _pad_of(padding: str | int) -> int:
    return int(padding) if padding not in ("valid", "same") else 0


def length(n: int, f: int, s: int, padding: str | int) -> int:
    """The right output length along one axis."""
    if padding == "same":
        return -(-n // s)
    return (n + 2 * _pad_of(padding) - f) // s + 1


def size_variants(n: int, f: int, stride: int, padding: str | int) -> Rows:
    """What ``conv_output_size(n, f, stride, padding)`` gives under each known mistake."""
    rows: Rows = []
    if stride != 1:
        rows.append(("stride-ignored", length(n, f, 1, padding)))
    if padding == "same":
        rows += [
            ("floor-instead-of-ceil", n // stride),
            ("same-padding-wrong", (n + 2 * (f // 2) - f) // stride + 1),
            # Symmetric padding, which an even kernel cannot have: not an off-by-one.
            ("same-padding-wrong", (n + 2 * ((f - 1) // 2) - f) // stride + 1),
            ("same-padding-wrong", (n - f) // stride + 1),
            # Equal to floor when stride does not divide n: the second question tells them apart.
            ("off-by-one", math.ceil(n / stride) - 1),
        ]
    else:
        span = n + 2 * _pad_of(padding) - f
        rows += [("off-by-one", span // stride), ("off-by-one", math.ceil(span / stride) + 1)]
    right = length(n, f, stride, padding)
    # Any other answer one away is still an off-by-one, once the named forms had their turn.
    return [*rows, ("off-by-one", Fallback(right - 1)), ("off-by-one", Fallback(right + 1))]


def _axis_variants(n: int, f: int, s: int, padding: str | int) -> dict[str, list[int]]:
    """The wrong lengths of each mistake along one axis (every form, loose ones left out)."""
    found: dict[str, list[int]] = {}
    for code, value in size_variants(n, f, s, padding):
        if not isinstance(value, Fallback) and value not in found.setdefault(code, []):
            found[code].append(value)
    return found


def window_shape_variants(
    input_shape: tuple[int, int, int],
    window: int | tuple[int, int],
    stride: int | tuple[int, int],
    padding: str | int,
    filters: int | None = None,
) -> Rows:
    """Output shapes of a conv (``filters`` given) or pooling layer under each known mistake."""
    h, w, c = input_shape
    depth = filters or c
    (fh, fw), (sh, sw) = pair(window), pair(stride)
    right = (length(h, fh, sh, padding), length(w, fw, sw, padding), depth)
    rows: Rows = []
    along_h, along_w = _axis_variants(h, fh, sh, padding), _axis_variants(w, fw, sw, padding)
    for code in ("stride-ignored", "floor-instead-of-ceil", "same-padding-wrong", "off-by-one"):
        # The same mistake along both axes, or along one only.
        heights, widths = along_h.get(code, []), along_w.get(code, [])
        rows += [(code, (h_out, w_out, depth)) for h_out in heights for w_out in widths]
        rows += [(code, (h_out, right[1], depth)) for h_out in heights]
        rows += [(code, (right[0], w_out, depth)) for w_out in widths]
    if filters is not None:
        rows.append(("depth-from-input", (right[0], right[1], c)))
    rows += [
        ("height-width-swapped", (right[1], right[0], depth)),
        ("height-width-swapped",
         (length(h, fw, sw, padding), length(w, fh, sh, padding), depth)),
        ("height-width-swapped",
         (length(h, fh, sw, padding), length(w, fw, sh, padding), depth)),
        ("height-width-swapped",
         (length(h, fw, sh, padding), length(w, fh, sw, padding), depth)),
    ]
    rows.append(("channels-first", (depth, right[0], right[1])))
    # input_shape read as (C, H, W): the "height" is W and the "width" is C.
    as_chw = (length(w, fh, sh, padding), length(c, fw, sw, padding))
    chw_depth = filters or h
    rows += [("channels-first", (*as_chw, chw_depth)), ("channels-first", (chw_depth, *as_chw))]
    return [(code, shape) for code, shape in rows if min(shape) > 0]


# ---------------------------------------------------------------- variants: parameter counts


def dense_params_variants(n_inputs: int, units: int, use_bias: bool) -> Rows:
    """What ``dense_params`` gives under each known mistake."""
    return [("params-missing-bias", n_inputs * units if use_bias else None)]


def conv_params_variants(kernel_size, in_channels: int, filters: int, use_bias: bool) -> Rows:
    """What ``conv2d_params`` gives under each known mistake."""
    kh, kw = pair(kernel_size)
    bias = filters if use_bias else 0
    weights = kh * kw * in_channels * filters
    return [
        ("params-missing-bias", weights if use_bias else None),
        ("bias-per-input-channel", weights + in_channels if use_bias else None),
        ("params-missing-channels", kh * kw * filters + bias),
        ("params-missing-channels", kh * kw * filters),
        ("params-missing-filters", kh * kw * in_channels + bias),
        ("params-missing-filters", kh * kw * in_channels + (1 if use_bias else 0)),
        ("params-missing-filters", kh * kw * in_channels),
    ]
