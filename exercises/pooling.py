"""The forward pass of a pooling layer, written with NumPy (channels-last, float64)."""

from __future__ import annotations

import numpy as np


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
    # YOUR CODE HERE
    raise NotImplementedError("pool_forward is not implemented yet")
