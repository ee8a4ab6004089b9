"""Parameter counts of dense and convolutional layers, and a hand-made model summary."""

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


def _out_length(n: int, f: int, s: int, padding: str | int, f_name: str) -> int:
    """Output length along one axis; padding is already normalised."""
    if padding == "same":
        return -(-n // s)
    padded = n + 2 * padding if _is_int(padding) else n
    if f > padded:
        raise ValueError(f"{f_name} ({f}) is larger than the padded input ({padded})")
    return (padded - f) // s + 1


def _flag(value: object, name: str) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


# Layer types with their Keras arguments (None marks a required one) and default values.
_LAYER_ARGS: dict[str, dict[str, object]] = {
    "conv2d": {"filters": None, "kernel_size": None, "strides": 1, "padding": "valid",
               "use_bias": True},
    "maxpooling2d": {"pool_size": 2, "strides": None, "padding": "valid"},
    "averagepooling2d": {"pool_size": 2, "strides": None, "padding": "valid"},
    "flatten": {},
    "dense": {"units": None, "use_bias": True},
}
_LAYER_ALIASES = {"maxpool2d": "maxpooling2d", "avgpool2d": "averagepooling2d",
                  "averagepool2d": "averagepooling2d"}
# Arguments that change neither the output shape nor the parameter count.
_IGNORED_ARGS = ("activation", "name")


def _layer_args(layer: object, where: str) -> tuple[str, dict]:
    """Check one layer dict; return its canonical type and its arguments with defaults."""
    if not isinstance(layer, dict) or not isinstance(layer.get("type"), str):
        raise ValueError(f"{where} must be a dict with a 'type' string, got {layer!r}")
    kind = layer["type"].lower().replace("_", "")
    kind = _LAYER_ALIASES.get(kind, kind)
    if kind not in _LAYER_ARGS:
        raise ValueError(
            f"{where} has unknown layer type {layer['type']!r}; expected one of conv2d, "
            "max_pooling2d, average_pooling2d, flatten, dense"
        )
    args = dict(_LAYER_ARGS[kind])
    for key, value in layer.items():
        if key == "type" or key in _IGNORED_ARGS:
            continue
        if key not in args:
            raise ValueError(f"{where} ({layer['type']}) has unknown argument {key!r}")
        args[key] = value
    for key, value in args.items():
        if value is None and key != "strides":
            raise ValueError(f"{where} ({layer['type']}) needs the argument {key!r}")
    return kind, args


def _layer_row(shape: tuple[int, ...], kind: str, args: dict, where: str) -> tuple:
    """Output shape and parameter count of one layer applied to ``shape``."""
    if kind == "flatten":
        return (int(np.prod(shape)),), 0
    if kind == "dense":
        units = _positive_int(args["units"], f"{where}['units']")
        bias = _flag(args["use_bias"], f"{where}['use_bias']")
        return (*shape[:-1], units), shape[-1] * units + (units if bias else 0)
    if len(shape) != 3:
        raise ValueError(f"{where} ({kind}) needs an (H, W, C) input, got shape {shape}")
    padding = _padding(args["padding"], f"{where}['padding']")
    if kind == "conv2d":
        window_name = f"{where}['kernel_size']"
        window = _pair(args["kernel_size"], window_name)
        filters = _positive_int(args["filters"], f"{where}['filters']")
        bias = _flag(args["use_bias"], f"{where}['use_bias']")
        depth, params = filters, window[0] * window[1] * shape[2] * filters + bias * filters
    else:
        window_name = f"{where}['pool_size']"
        window = _pair(args["pool_size"], window_name)
        if _is_int(padding) and padding >= min(window):
            raise ValueError(f"{where}['padding'] ({padding}) must be smaller than the pool")
        depth, params = shape[2], 0
    strides = window if args["strides"] is None else _pair(args["strides"], f"{where}['strides']")
    out = tuple(
        _out_length(shape[axis], window[axis], strides[axis], padding, window_name)
        for axis in (0, 1)
    )
    return (*out, depth), int(params)
# END SOLUTION


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
    # BEGIN SOLUTION
    n_inputs = _positive_int(n_inputs, "n_inputs")
    units = _positive_int(units, "units")
    return n_inputs * units + (units if _flag(use_bias, "use_bias") else 0)
    # END SOLUTION


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
    # BEGIN SOLUTION
    fh, fw = _pair(kernel_size, "kernel_size")
    in_channels = _positive_int(in_channels, "in_channels")
    filters = _positive_int(filters, "filters")
    return fh * fw * in_channels * filters + (filters if _flag(use_bias, "use_bias") else 0)
    # END SOLUTION


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
    # BEGIN SOLUTION
    if not (isinstance(input_shape, tuple | list) and len(input_shape) > 0
            and all(_is_int(d) and d > 0 for d in input_shape)):
        raise ValueError(
            f"input_shape must be a non-empty tuple of positive ints, got {input_shape!r}"
        )
    if not isinstance(layers, list | tuple):
        raise ValueError(f"layers must be a list of dicts, got {type(layers).__name__}")
    shape, rows = tuple(int(d) for d in input_shape), []
    for index, layer in enumerate(layers):
        where = f"layers[{index}]"
        kind, args = _layer_args(layer, where)
        shape, params = _layer_row(shape, kind, args, where)
        rows.append((shape, params))
    return rows
    # END SOLUTION
