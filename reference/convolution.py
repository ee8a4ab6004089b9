"""The forward pass of a convolutional layer, written with NumPy.

Arrays are channels-last (NHWC) and computed in float64. "Convolution" here
means cross-correlation, the operation ``tf.nn.conv2d`` performs: the kernel
slides over the input as it is, without being flipped.
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


def _as_batch(A: object, name: str) -> np.ndarray:
    A = np.asarray(A, dtype=np.float64)
    if A.ndim != 4:
        raise ValueError(f"{name} must have 4 dimensions (m, H, W, C), got shape {A.shape}")
    return A


# Size of one block of the im2col matrix: about what one core's L2 cache holds.
_BLOCK_BYTES = 2**21


def _conv_pads(A_prev: np.ndarray, W: np.ndarray, stride, padding) -> tuple:
    """Check the arguments of conv_forward; return the strides and the pad widths."""
    (sh, sw), padding = _pair(stride, "stride"), _padding(padding)
    (fh, fw), pads = W.shape[:2], []
    for n, f, s, axis in ((A_prev.shape[1], fh, sh, "height"), (A_prev.shape[2], fw, sw, "width")):
        before, after = _pad_amounts(n, f, s, padding)
        if f > n + before + after:
            raise ValueError(
                f"W's kernel {axis} ({f}) is larger than the padded A_prev {axis} "
                f"({n + before + after})"
            )
        pads.append((before, after))
    return (sh, sw), pads
# END SOLUTION


def zero_pad(X: np.ndarray, pad: int) -> np.ndarray:
    """Surround every image of a batch with ``pad`` rows and columns of zeros.

    Without padding, each convolution shrinks the image and the pixels near
    the border are covered by fewer kernel positions than those in the
    middle. Adding a frame of zeros lets the kernel sit centred on the edge
    pixels too, so the output can keep the input's height and width. Only
    the two spatial axes grow; the batch and channel axes are left alone.

    Args:
        X: a batch of images, shape ``(m, H, W, C)``.
        pad: how many zeros to add on each side of the height and width axes.

    Returns:
        An array of shape ``(m, H + 2*pad, W + 2*pad, C)`` with X's dtype.

    Raises:
        ValueError: if X is not 4-dimensional or pad is not a non-negative int.

    Example:
        >>> X = np.ones((1, 2, 2, 1))
        >>> zero_pad(X, 1).shape
        (1, 4, 4, 1)
        >>> zero_pad(X, 1)[0, :, :, 0]
        array([[0., 0., 0., 0.],
               [0., 1., 1., 0.],
               [0., 1., 1., 0.],
               [0., 0., 0., 0.]])
    """
    # BEGIN SOLUTION
    X = np.asarray(X)
    if X.ndim != 4:
        raise ValueError(f"X must have 4 dimensions (m, H, W, C), got shape {X.shape}")
    if not _is_int(pad) or pad < 0:
        raise ValueError(f"pad must be a non-negative int, got {pad!r}")
    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="constant")
    # END SOLUTION


def conv_single_step(a_slice: np.ndarray, W: np.ndarray, b: float | np.ndarray) -> float:
    """Apply one filter to one window of the input: the building block of a convolution.

    Each weight of the filter multiplies the input value under it, the
    products are added up, and the bias is added once at the end. A large
    result means the window looks like the pattern the filter has learned
    (an edge, a corner, a texture).

    Args:
        a_slice: the window of the input, shape ``(f_h, f_w, C)``.
        W: the filter's weights, the same shape as ``a_slice``.
        b: the filter's bias, a scalar or an array of shape ``(1,)`` or ``(1, 1, 1)``.

    Returns:
        The weighted sum plus the bias, as a Python float.

    Raises:
        ValueError: if the shapes of a_slice and W differ or b is not a single number.

    Example:
        >>> a_slice = np.ones((2, 2, 1))
        >>> W = np.array([1.0, 2.0, 3.0, 4.0]).reshape(2, 2, 1)
        >>> conv_single_step(a_slice, W, 0.5)
        10.5
    """
    # BEGIN SOLUTION
    a_slice = np.asarray(a_slice, dtype=np.float64)
    W = np.asarray(W, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a_slice.ndim != 3:
        raise ValueError(f"a_slice must have shape (f_h, f_w, C), got shape {a_slice.shape}")
    if W.shape != a_slice.shape:
        raise ValueError(f"W must have the shape of a_slice {a_slice.shape}, got {W.shape}")
    if b.shape not in ((), (1,), (1, 1, 1)):
        raise ValueError(f"b must be a scalar or have shape (1,) or (1, 1, 1), got {b.shape}")
    return float(np.sum(a_slice * W) + b.item())
    # END SOLUTION


def conv_forward(
    A_prev: np.ndarray,
    W: np.ndarray,
    b: np.ndarray,
    stride: int | tuple[int, int] = 1,
    padding: str | int = "valid",
) -> np.ndarray:
    """Slide every filter over every image of a batch (cross-correlation, as tf.nn.conv2d).

    Each output value is ``conv_single_step`` applied to one window of the
    input, for one filter: filter ``c`` gives output channel ``c``. The stride
    is how far the window jumps between positions, so a stride of 2 roughly
    halves the height and width. With "valid" padding only windows that fit
    entirely inside the image are used (28x28 with a 3x3 kernel gives 26x26);
    "same" pads with zeros so the output is ``ceil(n / stride)`` long, the odd
    extra zero going to the bottom or right, as in TensorFlow.

    Args:
        A_prev: the input batch, shape ``(m, H, W, C_prev)``.
        W: the filters, shape ``(f_h, f_w, C_prev, C)``.
        b: one bias per filter, shape ``(C,)`` (``(1, 1, 1, C)`` is accepted too).
        stride: step between windows, an int or an ``(h, w)`` pair.
        padding: "valid", "same" or a non-negative int of zeros on every side.

    Returns:
        The float64 output, shape ``(m, H_out, W_out, C)``.

    Raises:
        ValueError: for arrays of the wrong shape, channel counts that do not
            match, a bad stride or padding, or a kernel larger than the padded input.

    Example:
        A 3x3 image and a 2x2 kernel whose top-left weight is 1 and whose
        bottom-right weight is -1: each output is a pixel minus its lower-right
        neighbour (a flipped kernel would give +4 instead).

        >>> A = np.arange(9.0).reshape(1, 3, 3, 1)
        >>> W = np.array([[1.0, 0.0], [0.0, -1.0]]).reshape(2, 2, 1, 1)
        >>> Z = conv_forward(A, W, np.zeros(1))
        >>> Z[0, :, :, 0]
        array([[-4., -4.],
               [-4., -4.]])
        >>> conv_forward(A, W, np.zeros(1), padding="same").shape
        (1, 3, 3, 1)
        >>> conv_forward(A, W, np.zeros(1), stride=2, padding="same").shape
        (1, 2, 2, 1)
    """
    # BEGIN SOLUTION
    A_prev = _as_batch(A_prev, "A_prev")
    W = np.asarray(W, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if W.ndim != 4 or min(W.shape) < 1:
        raise ValueError(f"W must have 4 dimensions (f_h, f_w, C_prev, C), got shape {W.shape}")
    if W.shape[2] != A_prev.shape[3]:
        raise ValueError(
            f"W expects {W.shape[2]} input channels but A_prev has {A_prev.shape[3]} "
            "(arrays are channels-last: (m, H, W, C))"
        )
    if b.shape not in ((W.shape[3],), (1, 1, 1, W.shape[3])):
        raise ValueError(f"b must have shape ({W.shape[3]},), one bias per filter, got {b.shape}")
    (sh, sw), pads = _conv_pads(A_prev, W, stride, padding)
    if any(map(any, pads)):
        # np.pad copies the whole batch, so it only runs when there are zeros to add.
        A_prev = np.pad(A_prev, ((0, 0), pads[0], pads[1], (0, 0)))
    windows = np.lib.stride_tricks.sliding_window_view(A_prev, W.shape[:2], axis=(1, 2))
    # (m, H_out, W_out, f_h, f_w, C_prev) lines each window up with W's own axis order,
    # so flattening windows into rows (im2col) turns the convolution into one matrix
    # product. Only the strided window positions are kept, so no row is wasted.
    windows = windows[:, ::sh, ::sw].transpose(0, 1, 2, 4, 5, 3)
    m, h_out, w_out = windows.shape[:3]
    W_mat = W.reshape(-1, W.shape[3])
    Z = np.empty((m, h_out, w_out, W.shape[3]))
    # The im2col matrix of a whole batch can take tens of MB. Building and multiplying
    # it a few images at a time keeps each block in the CPU cache instead of writing
    # one huge matrix to memory and reading it back.
    step = max(1, _BLOCK_BYTES // (h_out * w_out * W_mat.shape[0] * W_mat.itemsize))
    for start in range(0, m, step):
        block = windows[start : start + step].reshape(-1, W_mat.shape[0])
        np.matmul(block, W_mat, out=Z[start : start + step].reshape(-1, W.shape[3]))
    Z += b.reshape(-1)
    return Z
    # END SOLUTION


def apply_filter(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Run one 2-D kernel over a grayscale image with no padding and stride 1.

    Every output pixel is the sum of the pixels under the kernel, each
    multiplied by the kernel weight covering it. The kernel only visits
    positions where it fits inside the image, so an ``f``-wide kernel loses
    ``f - 1`` pixels in each direction: a 28x28 image with a 3x3 kernel gives
    26x26. Hand-picked kernels like the one below pick out vertical edges;
    a CNN learns its kernels instead.

    Args:
        image: a 2-D array ``(H, W)``.
        kernel: a 2-D array ``(f_h, f_w)`` no larger than the image.

    Returns:
        The float64 filtered image, shape ``(H - f_h + 1, W - f_w + 1)``.

    Raises:
        ValueError: if either array is not 2-D or the kernel is larger than the image.

    Example:
        >>> image = np.array([[0.0, 0.0, 9.0], [0.0, 0.0, 9.0], [0.0, 0.0, 9.0]])
        >>> apply_filter(image, np.array([[-1.0, 1.0], [-1.0, 1.0]]))
        array([[ 0., 18.],
               [ 0., 18.]])
        >>> apply_filter(np.zeros((32, 32)), np.ones((3, 3))).shape
        (30, 30)
    """
    # BEGIN SOLUTION
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    if image.ndim != 2:
        raise ValueError(f"image must be 2-D (H, W), got shape {image.shape}")
    if kernel.ndim != 2:
        raise ValueError(f"kernel must be 2-D (f_h, f_w), got shape {kernel.shape}")
    if kernel.shape[0] > image.shape[0] or kernel.shape[1] > image.shape[1]:
        raise ValueError(f"kernel {kernel.shape} is larger than the image {image.shape}")
    windows = np.lib.stride_tricks.sliding_window_view(image, kernel.shape)
    return np.tensordot(windows, kernel, axes=([2, 3], [0, 1]))
    # END SOLUTION
