"""Output shapes of convolution, pooling and flatten layers, worked out by hand.

Shapes are channels-last and leave out the batch axis: ``(H, W, C)``.
"""

from __future__ import annotations

import numpy as np


def conv_output_size(n: int, f: int, stride: int = 1, padding: str | int = "valid") -> int:
    """Length of a convolution's output along one axis.

    A kernel of width ``f`` fits at ``n - f + 1`` positions of an ``n``-wide
    input, which is why a 3x3 kernel turns 28 pixels into 26. Padding ``p``
    zeros on each side makes the input ``n + 2p`` wide before that count,
    and a stride ``s`` keeps only every ``s``-th position:
    ``floor((n + 2p - f) / s) + 1``. "same" padding picks the padding that
    gives ``ceil(n / s)`` whatever the kernel size.

    Args:
        n: input length (height or width).
        f: kernel length along the same axis.
        stride: step between kernel positions.
        padding: "valid", "same" or a non-negative int of zeros on each side.

    Returns:
        The output length.

    Raises:
        ValueError: for non-positive n, f or stride, a bad padding, or a
            kernel longer than the padded input.

    Example:
        >>> conv_output_size(28, 3)
        26
        >>> conv_output_size(28, 3, padding=1)
        28
        >>> conv_output_size(28, 4, stride=2, padding="same")
        14
    """
    # YOUR CODE HERE
    raise NotImplementedError("conv_output_size is not implemented yet")


def conv_output_shape(
    input_shape: tuple[int, int, int],
    filters: int,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] = 1,
    padding: str | int = "valid",
) -> tuple[int, int, int]:
    """Shape ``(H_out, W_out, filters)`` of a Conv2D layer's output.

    Height and width each follow ``conv_output_size`` with their own kernel
    length and stride. The depth is the number of filters, not the input's
    channel count: every filter spans all input channels and yields one
    feature map.

    Args:
        input_shape: ``(H, W, C)`` of the input, without the batch axis.
        filters: number of filters (output channels).
        kernel_size: an int or an ``(h, w)`` pair.
        stride: an int or an ``(h, w)`` pair.
        padding: "valid", "same" or a non-negative int.

    Returns:
        ``(H_out, W_out, filters)``.

    Raises:
        ValueError: for a bad argument or a kernel larger than the padded input.

    Example:
        >>> conv_output_shape((32, 32, 1), 16, 3)
        (30, 30, 16)
        >>> conv_output_shape((20, 20, 8), 6, 4, stride=2, padding="same")
        (10, 10, 6)
    """
    # YOUR CODE HERE
    raise NotImplementedError("conv_output_shape is not implemented yet")


def pool_output_shape(
    input_shape: tuple[int, int, int],
    pool_size: int | tuple[int, int] = 2,
    stride: int | tuple[int, int] | None = None,
    padding: str | int = "valid",
) -> tuple[int, int, int]:
    """Shape ``(H_out, W_out, C)`` of a pooling layer's output.

    A pooling window moves like a kernel, so each axis follows the same
    formula as a convolution; by default the stride equals the window, so a
    2x2 pool halves height and width, rounding down (26 -> 13, 11 -> 5).
    Pooling works on each channel alone, so the channel count is unchanged.

    Args:
        input_shape: ``(H, W, C)`` of the input, without the batch axis.
        pool_size: an int or an ``(h, w)`` pair.
        stride: an int, an ``(h, w)`` pair, or ``None`` for ``pool_size``.
        padding: "valid", "same" or a non-negative int smaller than the window.

    Returns:
        ``(H_out, W_out, C)``.

    Raises:
        ValueError: for a bad argument or a window larger than the padded input.

    Example:
        >>> pool_output_shape((30, 30, 16))
        (15, 15, 16)
        >>> pool_output_shape((13, 13, 32))
        (6, 6, 32)
    """
    # YOUR CODE HERE
    raise NotImplementedError("pool_output_shape is not implemented yet")


def flatten_size(shape: tuple[int, ...]) -> int:
    """Length of the vector a Flatten layer makes from one example.

    Flatten lines up every value of every feature map into one vector for
    the dense layers that follow, so its length is the product of all the
    dimensions: 6x6 maps from 32 filters give 1152 values.

    Args:
        shape: the shape of one example, without the batch axis.

    Returns:
        The product of the dimensions.

    Raises:
        ValueError: if shape is empty or holds anything but positive ints.

    Example:
        >>> flatten_size((6, 6, 32))
        1152
        >>> flatten_size((4, 4, 10))
        160
    """
    # YOUR CODE HERE
    raise NotImplementedError("flatten_size is not implemented yet")
