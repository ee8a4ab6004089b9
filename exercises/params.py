"""Parameter counts of dense and convolutional layers, and a hand-made model summary."""

from __future__ import annotations

import numpy as np


def dense_params(n_inputs: int, units: int, use_bias: bool = True) -> int:
    """Number of trainable parameters of a Dense layer.

    Every one of the ``units`` neurons has its own weight for every input,
    plus one bias. That is why dense layers on images are expensive: a
    28x28 image already needs 784 weights per neuron.

    Args:
        n_inputs: length of the input vector.
        units: number of neurons.
        use_bias: whether each neuron has a bias.

    Returns:
        ``n_inputs * units`` weights, plus ``units`` biases when use_bias is True.

    Raises:
        ValueError: for non-positive sizes or a use_bias that is not a bool.

    Example:
        >>> dense_params(784, 200, use_bias=False)
        156800
        >>> dense_params(784, 128)
        100480
    """
    # YOUR CODE HERE
    raise NotImplementedError("dense_params is not implemented yet")


def conv2d_params(
    kernel_size: int | tuple[int, int],
    in_channels: int,
    filters: int,
    use_bias: bool = True,
) -> int:
    """Number of trainable parameters of a Conv2D layer.

    A filter holds one weight per kernel position and input channel, plus
    one bias, and the same filter is reused at every position of the image
    (parameter sharing). So the count depends on the kernel, the channels
    and the number of filters, never on the image size: eight 3x3 filters on
    a 64x64x3 image need only 224 parameters, where a dense layer between
    the same input and output sizes would need millions.

    Args:
        kernel_size: an int or an ``(h, w)`` pair.
        in_channels: channels of the input (1 for grayscale, 3 for RGB).
        filters: number of filters (output channels).
        use_bias: whether each filter has a bias.

    Returns:
        ``h * w * in_channels * filters`` weights, plus ``filters`` biases
        when use_bias is True.

    Raises:
        ValueError: for a bad kernel_size, non-positive counts or a non-bool use_bias.

    Example:
        >>> conv2d_params(3, 3, 8)
        224
        >>> conv2d_params(5, 1, 6)
        156
        >>> conv2d_params((3, 3), 1, 64)
        640
    """
    # YOUR CODE HERE
    raise NotImplementedError("conv2d_params is not implemented yet")


def summarize(input_shape: tuple[int, ...], layers: list[dict]) -> list[tuple[tuple, int]]:
    """Work out ``model.summary()`` by hand: each layer's output shape and parameter count.

    The shape flows through the layers one at a time: convolutions and
    pooling change height and width (and convolutions set the depth),
    Flatten turns everything into one vector, and Dense replaces the last
    axis with its units. Only Conv2D and Dense layers have parameters.

    Args:
        input_shape: the input shape without the batch axis, e.g. ``(28, 28, 1)``.
        layers: one dict per layer, with ``"type"`` one of conv2d,
            max_pooling2d, average_pooling2d, flatten or dense, and the Keras
            arguments ``filters``, ``kernel_size``, ``strides``, ``padding``,
            ``use_bias``, ``pool_size`` and ``units``. Missing arguments take
            the Keras defaults (strides 1, "valid", bias on, pool 2, pooling
            stride equal to the pool). ``activation`` and ``name`` are
            accepted and ignored.

    Returns:
        One ``(output_shape_without_batch, params)`` pair per layer.

    Raises:
        ValueError: for a bad input_shape, an unknown layer type or argument,
            a missing required argument, or a layer that does not fit its input.

    Example:
        >>> rows = summarize((32, 32, 1), [
        ...     {"type": "conv2d", "filters": 16, "kernel_size": 3},
        ...     {"type": "max_pooling2d", "pool_size": 2},
        ...     {"type": "flatten"},
        ...     {"type": "dense", "units": 10},
        ... ])
        >>> for row in rows:
        ...     print(row)
        ((30, 30, 16), 160)
        ((15, 15, 16), 0)
        ((3600,), 0)
        ((10,), 36010)
    """
    # YOUR CODE HERE
    raise NotImplementedError("summarize is not implemented yet")
