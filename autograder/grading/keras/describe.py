"""Rebuild a student's Keras model from its checked config, in safe mode, and describe it.

Runs where student models are built: the trusted sandbox child (see
``autograder.grading.keras.tasks``), never the grader. The config is checked
and its cost estimated as data first (``config``, ``budget``); only then is each
layer deserialized with ``safe_mode=True`` and stacked into a fresh
``keras.Sequential``. Equivalent forms are described alike: a separate
``Activation``, ``ReLU`` or ``Softmax`` layer after a layer without an
activation of its own counts as that layer's activation.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from autograder.grading.keras.budget import MAX_ACTIVATION_SIZE, estimate
from autograder.grading.keras.config import UnsafeModel, parse_model
from autograder.sandbox.proxy import KerasModelData

ACTIVATION_LAYERS = frozenset({"Activation", "ReLU", "Softmax"})

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


# ---------------------------------------------------------------- rebuilding


def rebuild(config_json: str, input_shape: tuple[int, ...] | None = None):
    """A fresh ``keras.Sequential`` equal to the student's model, weights newly initialised.

    Args:
        config_json: the JSON from ``model.to_json()``.
        input_shape: used when the model states no Input of its own.

    Raises:
        UnsafeModel: see ``config.parse_model`` and ``budget.estimate``; also a stack
            Keras cannot connect.
    """
    import keras

    model = parse_model(config_json)
    shape = model.input_shape or input_shape
    estimate(model, shape)  # refuses a model over budget before any weight exists
    layers = []
    current: tuple[int | None, ...] = (None, *(shape or ()))
    for number, config in enumerate(model.layers, start=1):
        kind = config.get("class_name")
        # Without build_config Keras creates no weights until the stack is assembled.
        config = {k: v for k, v in config.items() if k != "build_config"}
        try:
            layer = keras.saving.deserialize_keras_object(config, safe_mode=True)
            current = tuple(layer.compute_output_shape(current))
        except Exception as exc:
            raise UnsafeModel(
                f"layer {number} ({kind}) cannot take an input of shape {current}: "
                f"{str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__}"
            ) from exc
        size = 1
        for d in current[1:]:
            size *= d or 1
        if size > MAX_ACTIVATION_SIZE:  # Keras disagreeing with the estimate: stay safe
            raise UnsafeModel(f"the model is far too large to grade (at layer {number}, {kind})")
        layers.append(layer)
    return keras.Sequential([keras.Input(shape=shape), *layers])


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
    return fold_activations(specs)


def fold_activations(specs: list[LayerSpec]) -> list[LayerSpec]:
    """Separate activation layers merged into the layer before them, when it has none.

    ``Conv2D(64, 3)`` followed by ``Activation("relu")`` computes exactly what
    ``Conv2D(64, 3, activation="relu")`` does, so both are described alike.
    """
    folded: list[LayerSpec] = []
    for spec in specs:
        previous = folded[-1] if folded else None
        if (
            spec.kind in ACTIVATION_LAYERS
            and previous is not None
            and previous.kind in ("Conv2D", "Dense")
            and previous.activation in (None, "linear")
            and spec.activation is not None
        ):
            folded[-1] = replace(previous, activation=spec.activation)
            continue
        folded.append(spec)
    return folded


def describe(
    model: str | KerasModelData, input_shape: tuple[int, ...] | None = None
) -> list[LayerSpec]:
    """The layers of a model given as its JSON config, rebuilt in safe mode (raises UnsafeModel).

    Only the model child (and a student's own self-check) calls this: it builds the model.
    """
    config_json = model.config_json if isinstance(model, KerasModelData) else model
    return describe_model(rebuild(config_json, input_shape))


def _activation(kind: str, config: dict[str, Any]) -> str | None:
    if kind == "ReLU":
        plain = config.get("max_value") is None and not config.get("negative_slope")
        return "relu" if plain and not config.get("threshold") else "relu (with options)"
    if kind == "Softmax":
        return "softmax" if config.get("axis", -1) == -1 else "softmax (other axis)"
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
    loss_config = loss.get("config") if isinstance(loss, dict) else None
    from_logits = isinstance(loss_config, dict) and loss_config.get("from_logits") is True
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
        # A plain function (keras.losses.sparse_categorical_crossentropy) is stored by name.
        function = value.get("class_name") == "function" and isinstance(value.get("config"), str)
        value = value.get("config") if function else value.get("class_name")
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
