"""The forward pass of a convolutional layer, written with NumPy.

Arrays are channels-last (NHWC) and computed in float64. "Convolution" here
means cross-correlation, the operation ``tf.nn.conv2d`` performs: the kernel
slides over the input as it is, without being flipped.
"""

from __future__ import annotations

import numpy as np


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
    # YOUR CODE HERE
    raise NotImplementedError("zero_pad is not implemented yet")


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
    # YOUR CODE HERE
    raise NotImplementedError("conv_single_step is not implemented yet")


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
    # YOUR CODE HERE
    raise NotImplementedError("conv_forward is not implemented yet")


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
    # YOUR CODE HERE
    raise NotImplementedError("apply_filter is not implemented yet")
