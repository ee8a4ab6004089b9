"""Rebuild a student's Keras model from its JSON config, safely, and describe it as data.

A config is plain JSON the child produced, so it is checked before Keras sees
it: every serialized object must be a Keras class on an allow-list (no Lambda,
no custom or registered classes), every activation a known name, the layers a
straight stack, and the model small enough to build. Only then is each layer
deserialized with ``safe_mode=True`` and stacked into a fresh ``keras.Sequential``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from autograder.proxy import KerasModelData

LAYERS = frozenset({
    "InputLayer", "Conv2D", "MaxPooling2D", "AveragePooling2D", "GlobalMaxPooling2D",
    "GlobalAveragePooling2D", "Flatten", "Dense", "Dropout", "SpatialDropout2D", "Reshape",
    "Rescaling", "BatchNormalization", "Activation", "ReLU", "Softmax",
})
MODELS = frozenset({"Sequential", "Functional"})
HELPERS = frozenset({
    "DTypePolicy", "FloatDTypePolicy", "GlorotUniform", "GlorotNormal", "HeUniform", "HeNormal",
    "LecunUniform", "LecunNormal", "RandomUniform", "RandomNormal", "TruncatedNormal", "Zeros",
    "Ones", "Constant", "L1", "L2", "L1L2", "MaxNorm", "NonNeg", "UnitNorm", "MinMaxNorm",
})
# Markers Keras writes into a config for tensors and tuples; they carry no module.
MARKERS = frozenset({"__keras_tensor__", "__tuple__"})
ACTIVATIONS = frozenset({
    "linear", "relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "swish", "mish",
    "sigmoid", "hard_sigmoid", "tanh", "softmax", "log_softmax", "softplus", "softsign",
    "exponential",
})
MODEL_OBJECTS = LAYERS | MODELS | HELPERS
# What a compile config may hold: optimizers, losses and metrics by class.
COMPILE_OBJECTS = HELPERS | frozenset({
    "Adam", "AdamW", "Adamax", "Nadam", "SGD", "RMSprop", "Adagrad", "Adadelta", "Lion", "Ftrl",
    "ExponentialDecay", "PiecewiseConstantDecay", "InverseTimeDecay", "CosineDecay",
    "SparseCategoricalCrossentropy", "CategoricalCrossentropy", "BinaryCrossentropy",
    "MeanSquaredError", "MeanAbsoluteError", "KLDivergence", "Hinge", "CategoricalHinge",
    "Poisson", "Huber", "Accuracy", "SparseCategoricalAccuracy", "CategoricalAccuracy",
    "SparseTopKCategoricalAccuracy", "MeanMetricWrapper",
})
MAX_PARAMS = 5_000_000
MAX_ACTIVATION_SIZE = 1_000_000  # values per example after any one layer
MAX_CONFIG_CHARS = 2_000_000


class UnsafeModel(ValueError):
    """The config cannot be graded: a forbidden class, a broken stack, or far too large."""


@dataclass(frozen=True)
class LayerSpec:
    """What grading looks at in one layer."""

    kind: str
    output_shape: tuple[int | None, ...]
    params: int
    activation: str | None = None
    filters: int | None = None
    units: int | None = None
    kernel_size: tuple[int, ...] | None = None
    strides: tuple[int, ...] | None = None
    padding: str | None = None
    pool_size: tuple[int, ...] | None = None


@dataclass(frozen=True)
class CompileSpec:
    """A model's compile settings reduced to names."""

    optimizer: str | None
    loss: str | None
    metrics: tuple[str, ...] = ()
    from_logits: bool = False
    loss_weights: Any = None


# ---------------------------------------------------------------- checking the config


def check_object(value: Any, where: str = "model", allowed: frozenset[str] = MODEL_OBJECTS) -> None:
    """Raise UnsafeModel unless every serialized object inside ``value`` is in ``allowed``."""
    if isinstance(value, list):
        for item in value:
            check_object(item, where, allowed)
        return
    if not isinstance(value, dict):
        return
    if "class_name" in value:
        name = value["class_name"]
        if name in MARKERS and "module" not in value:
            pass
        elif name == "Lambda":
            raise UnsafeModel("Lambda layers cannot be graded: use the built-in Keras layers")
        elif not _allowed_class(value, allowed):
            raise UnsafeModel(
                f"{where} uses {str(name)[:60]!r}, which the grader does not accept "
                "(only built-in Keras layers such as Conv2D, MaxPooling2D, Flatten, Dense)"
            )
        where = str(name)
    activation = value.get("activation")
    if isinstance(activation, str) and activation not in ACTIVATIONS:
        raise UnsafeModel(f"{where} has an unknown activation {activation[:40]!r}")
    for key, item in value.items():
        if key != "activation" or not isinstance(item, str):
            check_object(item, where, allowed)


def _allowed_class(obj: dict[str, Any], allowed: frozenset[str]) -> bool:
    module, name = obj.get("module"), obj.get("class_name")
    if not isinstance(module, str) or not (module == "keras" or module.startswith("keras.")):
        return False
    if obj.get("registered_name") not in (None, name):
        return False
    return name in allowed


def layer_configs(config_json: str) -> tuple[tuple[int, ...] | None, list[dict[str, Any]]]:
    """The checked input shape (if the model states one) and layer configs, in order.

    Raises:
        UnsafeModel: the config is not JSON, uses a forbidden class, or is not a plain stack.
    """
    if len(config_json) > MAX_CONFIG_CHARS:
        raise UnsafeModel("the model config is far too large")
    try:
        config = json.loads(config_json)
    except ValueError as exc:
        raise UnsafeModel("the model config is not valid JSON") from exc
    if not isinstance(config, dict) or config.get("class_name") not in MODELS:
        raise UnsafeModel("build_* must return a keras.Sequential or keras.Model")
    config.pop("compile_config", None)  # read from the compile config sent beside it
    check_object(config)
    layers = (config.get("config") or {}).get("layers")
    if not isinstance(layers, list) or not all(isinstance(layer, dict) for layer in layers):
        raise UnsafeModel("the model config has no layer list")
    if config["class_name"] == "Functional":
        _check_chain(layers)
    input_shape = None
    if layers and layers[0].get("class_name") == "InputLayer":
        input_shape = _input_shape(layers.pop(0))
    if any(layer.get("class_name") == "InputLayer" for layer in layers):
        raise UnsafeModel("a model must have exactly one input")
    return input_shape, layers


def _check_chain(layers: list[dict[str, Any]]) -> None:
    """A functional model is graded only when each layer feeds the next one."""
    previous = None
    for layer in layers:
        sources = [
            arg.get("config", {}).get("keras_history", [None])[0]
            for node in layer.get("inbound_nodes") or []
            for arg in node.get("args", [])
            if isinstance(arg, dict)
        ]
        if sources != ([previous] if previous is not None else []):
            raise UnsafeModel("only a straight stack of layers can be graded (no branches)")
        previous = layer.get("name") or layer.get("config", {}).get("name")


def _input_shape(input_layer: dict[str, Any]) -> tuple[int, ...]:
    config = input_layer.get("config") or {}
    shape = config.get("batch_shape") or config.get("batch_input_shape")
    if not isinstance(shape, list) or len(shape) < 2:
        raise UnsafeModel("the model's Input has no shape")
    dims = shape[1:]
    if not all(type(d) is int and 0 < d <= 4096 for d in dims):
        raise UnsafeModel(f"the model's input shape {tuple(dims)} must be whole positive numbers")
    return tuple(dims)


# ---------------------------------------------------------------- rebuilding


def rebuild(config_json: str, input_shape: tuple[int, ...] | None = None):
    """A fresh ``keras.Sequential`` equal to the student's model, weights newly initialised.

    Args:
        config_json: the JSON from ``model.to_json()``.
        input_shape: used when the model states no Input of its own.

    Raises:
        UnsafeModel: see ``layer_configs``; also a stack Keras cannot connect.
    """
    import keras

    stated, configs = layer_configs(config_json)
    shape = stated or input_shape
    if shape is None:
        raise UnsafeModel("the model has no input shape: start it with keras.Input(shape=...)")
    layers = []
    current: tuple[int | None, ...] = (None, *shape)
    total = 0
    for number, config in enumerate(configs, start=1):
        kind = config.get("class_name")
        # Without build_config Keras creates no weights yet, so the size check comes first.
        config = {k: v for k, v in config.items() if k != "build_config"}
        try:
            layer = keras.saving.deserialize_keras_object(config, safe_mode=True)
            params = _param_estimate(layer, current)
            current = tuple(layer.compute_output_shape(current))
        except UnsafeModel:
            raise
        except Exception as exc:
            raise UnsafeModel(
                f"layer {number} ({kind}) cannot take an input of shape {current}: "
                f"{str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__}"
            ) from exc
        total += params
        if any(d is not None and d <= 0 for d in current[1:]):
            raise UnsafeModel(f"layer {number} ({kind}) leaves an empty output {current}")
        if total > MAX_PARAMS or math.prod(d or 1 for d in current[1:]) > MAX_ACTIVATION_SIZE:
            raise UnsafeModel(f"the model is far too large to grade (at layer {number}, {kind})")
        layers.append(layer)
    return keras.Sequential([keras.Input(shape=shape), *layers])


def _param_estimate(layer: Any, input_shape: tuple[int | None, ...]) -> int:
    """Weights a layer will create, counted before it allocates any."""
    kind = type(layer).__name__
    channels = input_shape[-1] or 0
    if kind == "Dense":
        return channels * layer.units + (layer.units if layer.use_bias else 0)
    if kind == "Conv2D":
        kernel = math.prod(layer.kernel_size) * channels // max(layer.groups, 1)
        return kernel * layer.filters + (layer.filters if layer.use_bias else 0)
    if kind == "BatchNormalization":
        return 4 * channels
    return 0


# ---------------------------------------------------------------- describing


def describe_model(model: Any) -> list[LayerSpec]:
    """One LayerSpec per layer of a built Keras model (the Input is left out)."""
    specs = []
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "InputLayer":
            continue
        config = layer.get_config()
        specs.append(
            LayerSpec(
                kind=kind,
                output_shape=tuple(layer.output.shape),
                params=int(layer.count_params()),
                activation=_activation(kind, config),
                filters=config.get("filters"),
                units=config.get("units"),
                kernel_size=_tuple(config.get("kernel_size")),
                strides=_tuple(config.get("strides")) if "strides" in config else None,
                padding=config.get("padding"),
                pool_size=_tuple(config.get("pool_size")),
            )
        )
    return specs


def describe(data: KerasModelData, input_shape: tuple[int, ...] | None = None) -> list[LayerSpec]:
    """The layers of a student's model, rebuilt in safe mode (raises UnsafeModel)."""
    return describe_model(rebuild(data.config_json, input_shape))


def _activation(kind: str, config: dict[str, Any]) -> str | None:
    if kind == "ReLU":
        return "relu"
    if kind == "Softmax":
        return "softmax"
    value = config.get("activation")
    return value if isinstance(value, str) or value is None else str(value)


def _tuple(value: Any) -> tuple[int, ...] | None:
    if value is None:
        return None
    return tuple(value) if isinstance(value, list | tuple) else (value,)


# ---------------------------------------------------------------- compile settings


def compile_spec(compile_config: dict[str, Any] | None) -> CompileSpec | None:
    """Names of the optimizer, loss and metrics; None for a model that was never compiled."""
    if not compile_config:
        return None
    loss = compile_config.get("loss")
    from_logits = isinstance(loss, dict) and bool((loss.get("config") or {}).get("from_logits"))
    metrics = compile_config.get("metrics")
    if isinstance(metrics, dict):  # one list per output: only one output here
        metrics = [m for group in metrics.values() for m in _as_list(group)]
    return CompileSpec(
        optimizer=_name(compile_config.get("optimizer")),
        loss=_name(loss),
        metrics=tuple(n for n in (_name(m) for m in _as_list(metrics)) if n),
        from_logits=from_logits,
        loss_weights=compile_config.get("loss_weights"),
    )


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _name(value: Any) -> str | None:
    """``"adam"`` for ``"adam"``, ``"Adam"`` or ``{"class_name": "Adam", ...}``."""
    if value is None:
        return None
    if isinstance(value, dict):
        value = value.get("class_name")
    if not isinstance(value, str):
        return str(value)[:60]
    return _snake(value)


def _snake(name: str) -> str:
    if name.islower() or "_" in name:
        return name.lower()
    out = []
    for i, char in enumerate(name):
        if char.isupper() and i and not name[i - 1].isupper():
            out.append("_")
        out.append(char.lower())
    return "".join(out)
