"""A student's model config checked as data: allow-listed classes, one flat stack of layers.

A config is plain JSON the child produced, so nothing here imports Keras or
builds anything. Every serialized object must be a Keras class on an
allow-list (no Lambda, no custom or registered classes) and every activation a
known name. Models nested inside the model (a ``Sequential`` used as a layer,
a functional chain) are flattened into the one stack they compute, so that
their layers are counted by the budget like any other; anything that is not a
straight chain is refused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

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
MAX_CONFIG_CHARS = 2_000_000
MAX_LAYERS = 64  # after flattening; the specified models have 7
MAX_NESTING = 4  # models inside models
# Fields of a layer that only label it: dropping them never changes what it computes.
LABELS = frozenset({"name", "build_config", "inbound_nodes", "registered_name"})


class UnsafeModel(ValueError):
    """The config cannot be graded: a forbidden class, a broken stack, or far too large."""


@dataclass(frozen=True)
class ModelConfig:
    """A checked model: the input shape it states (if any) and its layers, flattened, in order."""

    input_shape: tuple[int, ...] | None
    layers: tuple[dict[str, Any], ...]

    def canonical(self) -> dict[str, Any]:
        """Everything that decides the computation: the layers without their labels."""
        return {"input": self.input_shape, "layers": [_unlabelled(layer) for layer in self.layers]}


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


def parse_model(config_json: str) -> ModelConfig:
    """The checked, flattened model in ``config_json`` (from ``model.to_json()``).

    Raises:
        UnsafeModel: not JSON, a forbidden class, not one straight stack, or too many layers.
    """
    if len(config_json) > MAX_CONFIG_CHARS:
        raise UnsafeModel("the model config is far too large")
    try:
        config = json.loads(config_json)
    except (ValueError, RecursionError) as exc:
        raise UnsafeModel("the model config is not valid JSON") from exc
    if not isinstance(config, dict) or config.get("class_name") not in MODELS:
        raise UnsafeModel("build_* must return a keras.Sequential or keras.Model")
    config.pop("compile_config", None)  # read from the compile config sent beside it
    try:
        check_object(config)
    except RecursionError:
        raise UnsafeModel("the model config is nested far too deeply") from None
    input_shape, layers = _flatten(config, depth=0)
    if len(layers) > MAX_LAYERS:
        raise UnsafeModel(f"the model has {len(layers)} layers; at most {MAX_LAYERS} are graded")
    return ModelConfig(input_shape, tuple(layers))


def _flatten(model: dict[str, Any], depth: int) -> tuple[tuple[int, ...] | None, list[dict]]:
    """A model's input shape and its layers, nested models replaced by their own layers."""
    if depth > MAX_NESTING:
        raise UnsafeModel("models are nested too deeply to grade")
    body = model.get("config") or {}
    layers = body.get("layers") if isinstance(body, dict) else None
    if not isinstance(layers, list) or not all(isinstance(layer, dict) for layer in layers):
        raise UnsafeModel("the model config has no layer list")
    if model.get("class_name") == "Functional":
        _check_chain(layers)
    layers = list(layers)
    input_shape = None
    if layers and layers[0].get("class_name") == "InputLayer":
        input_shape = _input_shape(layers.pop(0))
    frozen = body.get("trainable") is False
    flat: list[dict[str, Any]] = []
    for layer in layers:
        kind = layer.get("class_name")
        if kind == "InputLayer":
            raise UnsafeModel("a model must have exactly one input")
        if kind in MODELS:
            inner_shape, inner = _flatten(layer, depth + 1)
            if input_shape is None and not flat:
                input_shape = inner_shape
            flat.extend(inner)
        else:
            flat.append(layer)
    if frozen:  # a frozen model freezes every layer in it: that changes training
        flat = [{**layer, "config": {**(layer.get("config") or {}), "trainable": False}}
                for layer in flat]
    return input_shape, flat


def _check_chain(layers: list[dict[str, Any]]) -> None:
    """A functional model is graded only when each layer feeds the next one."""
    previous = None
    for layer in layers:
        sources = [
            arg.get("config", {}).get("keras_history", [None])[0]
            for node in layer.get("inbound_nodes") or []
            if isinstance(node, dict)
            for arg in node.get("args", [])
            if isinstance(arg, dict)
        ]
        if sources != ([previous] if previous is not None else []):
            raise UnsafeModel("only a straight stack of layers can be graded (no branches)")
        previous = layer.get("name") or (layer.get("config") or {}).get("name")


def _input_shape(input_layer: dict[str, Any]) -> tuple[int, ...]:
    config = input_layer.get("config") or {}
    shape = config.get("batch_shape") or config.get("batch_input_shape")
    if not isinstance(shape, list) or len(shape) < 2:
        raise UnsafeModel("the model's Input has no shape")
    dims = shape[1:]
    if not all(type(d) is int and 0 < d <= 4096 for d in dims):
        raise UnsafeModel(f"the model's input shape {tuple(dims)} must be whole positive numbers")
    return tuple(dims)


def _unlabelled(layer: dict[str, Any]) -> dict[str, Any]:
    """A layer without its own name and build record (its dtype policy's name stays)."""
    kept = {k: v for k, v in layer.items() if k not in LABELS}
    config = kept.get("config")
    if isinstance(config, dict):
        kept["config"] = {k: v for k, v in config.items() if k != "name"}
    return kept
