"""What a model will cost, computed from its config before anything is built.

Shapes, weights, activations and floating-point operations are derived layer
by layer from the checked config alone (no Keras), so a model that would
allocate hundreds of millions of weights, or whose one training step would
take minutes, is refused with a message before any process spends memory or
time on it. The training child still runs under a wall-clock budget and is
killed past it; this estimate only keeps the obvious cases from getting there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from autograder.grading.keras.config import ModelConfig, UnsafeModel

MAX_PARAMS = 5_000_000
MAX_ACTIVATION_SIZE = 1_000_000  # values per example after any one layer
MAX_ACTIVATIONS = 4_000_000  # values per example summed over the layers
# One training step (forward and backward, about three forward passes) on one batch.
# The specified CNN needs about 1e9; ten times that still trains in seconds per epoch.
MAX_STEP_FLOPS = 10_000_000_000
BATCH_SIZE = 32
_ELEMENTWISE = frozenset({
    "Dropout", "SpatialDropout2D", "Rescaling", "BatchNormalization", "Activation", "ReLU",
    "Softmax",
})

Shape = tuple[int, ...]  # one example's shape, batch axis left out


@dataclass(frozen=True)
class Estimate:
    """A model's size and cost, per example unless stated."""

    shapes: tuple[Shape, ...]  # after each layer
    params: int
    activations: int
    flops: int  # one forward pass of one example

    @property
    def step_flops(self) -> int:
        """One training step on one batch: forward plus backward, about three forward passes."""
        return 3 * BATCH_SIZE * self.flops


def estimate(model: ModelConfig, input_shape: Shape | None = None) -> Estimate:
    """Size and cost of ``model`` on inputs of ``input_shape`` (or the shape it states).

    Raises:
        UnsafeModel: no input shape, a layer that cannot take its input, or over a limit.
    """
    shape = model.input_shape or input_shape
    if shape is None:
        raise UnsafeModel("the model has no input shape: start it with keras.Input(shape=...)")
    shapes, params, activations, flops = [], 0, 0, 0
    for number, layer in enumerate(model.layers, start=1):
        kind = str(layer.get("class_name"))
        config = layer.get("config") or {}
        try:
            out, weights, cost = _layer(kind, config, shape)
        except (TypeError, ValueError, KeyError, ZeroDivisionError) as exc:
            raise UnsafeModel(
                f"layer {number} ({kind}) cannot take an input of shape {(None, *shape)}: "
                f"{str(exc)[:160] or type(exc).__name__}"
            ) from None
        if any(d <= 0 for d in out):
            raise UnsafeModel(f"layer {number} ({kind}) leaves an empty output {(None, *out)}")
        size = math.prod(out)
        params, activations, flops = params + weights, activations + size, flops + cost
        where = f"at layer {number}, {kind}"
        if params > MAX_PARAMS:
            raise UnsafeModel(
                f"the model is far too large to grade ({where}: {params:,} weights so far, "
                f"at most {MAX_PARAMS:,})"
            )
        if size > MAX_ACTIVATION_SIZE or activations > MAX_ACTIVATIONS:
            raise UnsafeModel(
                f"the model is far too large to grade ({where}: {size:,} values per image, "
                f"{activations:,} so far)"
            )
        if 3 * BATCH_SIZE * flops > MAX_STEP_FLOPS:
            raise UnsafeModel(
                f"the model is far too slow to train ({where}: one training step needs "
                f"about {3 * BATCH_SIZE * flops:.2g} operations, at most {MAX_STEP_FLOPS:.0e})"
            )
        shapes.append(out)
        shape = out
    return Estimate(tuple(shapes), params, activations, flops)


def _layer(kind: str, config: dict[str, Any], shape: Shape) -> tuple[Shape, int, int]:
    """Output shape, weights and forward operations of one layer on one example."""
    size = math.prod(shape)
    if kind == "Dense":
        units = _positive(config["units"])
        bias = units if config.get("use_bias", True) else 0
        weights = shape[-1] * units + bias
        return (*shape[:-1], units), weights, 2 * size * units
    if kind == "Conv2D":
        return _conv(config, shape)
    if kind in ("MaxPooling2D", "AveragePooling2D"):
        pool = _pair(config.get("pool_size", 2))
        strides = _pair(config.get("strides") or pool)
        out = _spatial(shape, pool, strides, (1, 1), config.get("padding", "valid"), config)
        return out, 0, math.prod(out) * pool[0] * pool[1]
    if kind in ("GlobalMaxPooling2D", "GlobalAveragePooling2D"):
        channels = shape[_channel_axis(config, shape)]
        out = (1, 1, channels) if config.get("keepdims") else (channels,)
        return out, 0, size
    if kind == "Flatten":
        return (size,), 0, 0
    if kind == "Reshape":
        return _reshape(config.get("target_shape"), size), 0, 0
    if kind == "BatchNormalization":
        return shape, 4 * shape[_channel_axis(config, shape)], 4 * size
    if kind in _ELEMENTWISE:
        return shape, 0, 4 * size
    raise ValueError(f"{kind} layers cannot be sized")


def _conv(config: dict[str, Any], shape: Shape) -> tuple[Shape, int, int]:
    if len(shape) != 3:
        raise ValueError("Conv2D needs an input of height, width and channels")
    filters = _positive(config["filters"])
    kernel = _pair(config["kernel_size"])
    groups = _positive(config.get("groups", 1))
    channels = shape[_channel_axis(config, shape)]
    if channels % groups:
        raise ValueError(f"{channels} channels do not split into {groups} groups")
    out = _spatial(shape, kernel, _pair(config.get("strides", 1)),
                   _pair(config.get("dilation_rate", 1)), config.get("padding", "valid"), config)
    per_filter = kernel[0] * kernel[1] * (channels // groups)
    weights = per_filter * filters + (filters if config.get("use_bias", True) else 0)
    positions = math.prod(out) // filters
    return out, weights, 2 * positions * per_filter * filters


def _spatial(shape: Shape, window: tuple[int, int], strides: tuple[int, int],
             dilation: tuple[int, int], padding: Any, config: dict[str, Any]) -> Shape:
    """Shape after a sliding window, channels kept or replaced by the layer's filters."""
    if len(shape) != 3:
        raise ValueError("a 2-D window needs an input of height, width and channels")
    first = config.get("data_format") == "channels_first"
    rows, cols = (shape[1], shape[2]) if first else (shape[0], shape[1])
    sizes = []
    for n, k, s, d in zip((rows, cols), window, strides, dilation, strict=True):
        span = (k - 1) * d + 1
        if padding == "same":
            sizes.append(-(-n // s))
        elif padding == "valid":
            sizes.append((n - span) // s + 1)
        else:
            raise ValueError(f"padding {str(padding)[:20]!r} is not 'valid' or 'same'")
    depth = config.get("filters") or shape[0 if first else 2]
    return (depth, *sizes) if first else (*sizes, depth)


def _channel_axis(config: dict[str, Any], shape: Shape) -> int:
    axis = config.get("axis", -1)
    if isinstance(axis, list) and len(axis) == 1:
        axis = axis[0]
    if config.get("data_format") == "channels_first":
        axis = 0
    if type(axis) is not int or axis == 0 or not -len(shape) <= axis <= len(shape):
        raise ValueError(f"axis {axis!r} does not exist")
    return axis - 1 if axis > 0 else axis  # Keras counts the batch axis as 0


def _reshape(target: Any, size: int) -> Shape:
    if not isinstance(target, list) or not target or not all(type(d) is int for d in target):
        raise ValueError("Reshape needs a target shape of whole numbers")
    known = math.prod(d for d in target if d != -1)
    if target.count(-1) == 1 and known > 0 and size % known == 0:
        target = [size // known if d == -1 else d for d in target]
    if any(d <= 0 for d in target) or math.prod(target) != size:
        raise ValueError(f"{size} values cannot be reshaped to {tuple(target)}")
    return tuple(target)


def _pair(value: Any) -> tuple[int, int]:
    pair = tuple(value) if isinstance(value, list | tuple) else (value, value)
    if len(pair) != 2:
        raise ValueError(f"{value!r} is not one or two sizes")
    return _positive(pair[0]), _positive(pair[1])


def _positive(value: Any) -> int:
    if type(value) is not int or not 0 < value <= 1_000_000_000:
        raise ValueError(f"{str(value)[:20]!r} is not a positive whole number")
    return value
