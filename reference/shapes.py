"""Output shapes of convolution, pooling and flatten layers, worked out by hand.

Shapes are channels-last and leave out the batch axis: ``(H, W, C)``.
"""

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


def _positive_int(value: object, name: str) -> int:
    if not _is_int(value) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)


def _image_shape(shape: object, name: str) -> tuple[int, int, int]:
    """Read an (H, W, C) shape of positive ints."""
    if not (isinstance(shape, tuple | list) and len(shape) == 3
            and all(_is_int(d) and d > 0 for d in shape)):
        raise ValueError(f"{name} must be (H, W, C) with positive ints, got {shape!r}")
    return int(shape[0]), int(shape[1]), int(shape[2])


def _out_length(n: int, f: int, s: int, padding: str | int, f_name: str) -> int:
    """Output length along one axis; padding is already normalised."""
    if padding == "same":
        return -(-n // s)
    padded = n + 2 * padding if _is_int(padding) else n
    if f > padded:
        raise ValueError(f"{f_name} ({f}) is larger than the padded input ({padded})")
    return (padded - f) // s + 1
# END SOLUTION


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
    # BEGIN SOLUTION
    n = _positive_int(n, "n")
    f = _positive_int(f, "f")
    stride = _positive_int(stride, "stride")
    return _out_length(n, f, stride, _padding(padding), "f")
    # END SOLUTION


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
    # BEGIN SOLUTION
    h, w, _ = _image_shape(input_shape, "input_shape")
    filters = _positive_int(filters, "filters")
    (fh, fw), (sh, sw) = _pair(kernel_size, "kernel_size"), _pair(stride, "stride")
    padding = _padding(padding)
    return (
        _out_length(h, fh, sh, padding, "kernel_size height"),
        _out_length(w, fw, sw, padding, "kernel_size width"),
        filters,
    )
    # END SOLUTION


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
    # BEGIN SOLUTION
    h, w, c = _image_shape(input_shape, "input_shape")
    (fh, fw) = _pair(pool_size, "pool_size")
    (sh, sw) = (fh, fw) if stride is None else _pair(stride, "stride")
    padding = _padding(padding)
    if _is_int(padding) and padding >= min(fh, fw):
        raise ValueError(f"padding ({padding}) must be smaller than pool_size ({fh}, {fw})")
    return (
        _out_length(h, fh, sh, padding, "pool_size height"),
        _out_length(w, fw, sw, padding, "pool_size width"),
        c,
    )
    # END SOLUTION


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
    # BEGIN SOLUTION
    if not (isinstance(shape, tuple | list) and len(shape) > 0
            and all(_is_int(d) and d > 0 for d in shape)):
        raise ValueError(f"shape must be a non-empty tuple of positive ints, got {shape!r}")
    return int(np.prod([int(d) for d in shape]))
    # END SOLUTION
