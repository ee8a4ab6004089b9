"""The forward pass of a pooling layer, written with NumPy (channels-last, float64)."""

from __future__ import annotations

import numpy as np


# BEGIN SOLUTION
def _is_int(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _pair(value: object, name: str) -> tuple[int, int]:
    """Read an int or an (h, w) pair of positive ints."""
    if _is_int(value):
        pair = (int(value), int(value))
    elif isinstance(value, tuple | list) and len(value) == 2 and all(map(_is_int, value)):
        pair = (int(value[0]), int(value[1]))
    else:
        pair = (0, 0)
    if min(pair) < 1:
        raise ValueError(f"{name} must be a positive int or (h, w) pair, got {value!r}")
    return pair


def _padding(padding: object, name: str = "padding") -> str | int:
    """Normalise a padding argument to "valid", "same" or a non-negative int."""
    if isinstance(padding, str) and padding.lower() in ("valid", "same"):
        return padding.lower()
    if _is_int(padding) and padding >= 0:
        return int(padding)
    raise ValueError(
        f"{name} must be 'valid', 'same' or a non-negative int, got {padding!r}"
    )


def _pad_amounts(n: int, f: int, s: int, padding: str | int) -> tuple[int, int]:
    """Zeros added before and after one spatial axis, as TensorFlow adds them."""
    if padding == "valid":
        return 0, 0
    if padding == "same":
        out = -(-n // s)
        total = max((out - 1) * s + f - n, 0)
        # An odd total puts the extra row or column at the bottom or right.
        return total // 2, total - total // 2
    return padding, padding


def _pool_pads(shape: tuple[int, ...], pool: tuple[int, int], stride, padding) -> list:
    """Check the window against the padded input; return the pad widths of H and W."""
    pads = []
    for n, f, s, axis in ((shape[1], pool[0], stride[0], "height"),
                          (shape[2], pool[1], stride[1], "width")):
        before, after = _pad_amounts(n, f, s, padding)
        if f > n + before + after:
            raise ValueError(
                f"pool_size {axis} ({f}) is larger than the padded A_prev {axis} "
                f"({n + before + after})"
            )
        if before >= f:
            raise ValueError(
                f"padding ({before}) must be smaller than pool_size {axis} ({f}), "
                "otherwise some windows hold nothing but padding"
            )
        pads.append((before, after))
    return pads
# END SOLUTION


def pool_forward(
    A_prev: np.ndarray,
    pool_size: int | tuple[int, int] = 2,
    stride: int | tuple[int, int] | None = None,
    mode: str = "max",
    padding: str | int = "valid",
) -> np.ndarray:
    """Shrink each channel of a batch by summarising small windows (max or average pooling).

    A window slides over every channel separately and each position is
    replaced by one number: the largest value ("max"), which keeps the
    strongest response of a filter wherever it occurred in the window, or
    the mean ("average"). Pooling has no weights to learn. With the Keras
    default, the stride equals the window, so a 2x2 pool turns every 4 pixels
    into 1 and halves the height and width, rounding down (26 -> 13, 11 -> 5).

    Padding follows ``tf.nn.max_pool2d`` / ``tf.nn.avg_pool2d``: padded
    positions never win a max and are left out of an average, which divides
    by the number of real pixels in the window. An int ``padding`` adds that
    many such positions on every side; it must be smaller than the window so
    that no window is all padding.

    Args:
        A_prev: the input batch, shape ``(m, H, W, C)``.
        pool_size: window height and width, an int or an ``(h, w)`` pair.
        stride: step between windows, an int or an ``(h, w)`` pair; ``None``
            means the same as ``pool_size``.
        mode: "max" or "average".
        padding: "valid", "same" or a non-negative int.

    Returns:
        The float64 output, shape ``(m, H_out, W_out, C)``.

    Raises:
        ValueError: for an input that is not 4-D, a bad pool_size, stride,
            mode or padding, or a window larger than the padded input.

    Example:
        >>> A = np.array([[1, 3, 2, 0],
        ...               [4, 2, 1, 1],
        ...               [0, 1, 5, 6],
        ...               [2, 2, 7, 8]], dtype=float).reshape(1, 4, 4, 1)
        >>> pool_forward(A)[0, :, :, 0]
        array([[4., 2.],
               [2., 8.]])
        >>> pool_forward(A, mode="average")[0, :, :, 0]
        array([[2.5 , 1.  ],
               [1.25, 6.5 ]])
        >>> pool_forward(np.zeros((1, 30, 30, 16))).shape
        (1, 15, 15, 16)
    """
    # BEGIN SOLUTION
    A_prev = np.asarray(A_prev, dtype=np.float64)
    if A_prev.ndim != 4:
        raise ValueError(f"A_prev must have 4 dimensions (m, H, W, C), got shape {A_prev.shape}")
    pool = _pair(pool_size, "pool_size")
    strides = pool if stride is None else _pair(stride, "stride")
    if mode not in ("max", "average"):
        raise ValueError(f"mode must be 'max' or 'average', got {mode!r}")
    pads = _pool_pads(A_prev.shape, pool, strides, _padding(padding))
    widths = ((0, 0), pads[0], pads[1], (0, 0))
    combine = np.maximum if mode == "max" else np.add

    def pool_all(X: np.ndarray) -> np.ndarray:
        # Window offset (i, j) picks the same cell of every window at once: one strided
        # slice shaped like the output. Combining the slices of all the offsets pools
        # every window together, so the loops run over the window, never over pixels.
        (ph, pw), (sh, sw) = pool, strides
        h_span = (X.shape[1] - ph) // sh * sh + 1
        w_span = (X.shape[2] - pw) // sw * sw + 1
        out = None
        for i in range(ph):
            for j in range(pw):
                cell = X[:, i : i + h_span : sh, j : j + w_span : sw]
                out = np.array(cell) if out is None else combine(out, cell, out=out)
        return out

    def pad(X: np.ndarray, fill: float) -> np.ndarray:
        # np.pad copies the whole batch, so it only runs when there is padding to add.
        return np.pad(X, widths, constant_values=fill) if any(map(any, pads)) else X

    if mode == "max":
        # -inf can never be the largest value, so padding never wins.
        return pool_all(pad(A_prev, -np.inf))
    totals = pool_all(pad(A_prev, 0.0))
    # Divide by the real (unpadded) pixels under each window, the same for every channel.
    totals /= pool_all(pad(np.ones((1, *A_prev.shape[1:3], 1)), 0.0))
    return totals
    # END SOLUTION
