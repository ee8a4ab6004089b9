"""Train a student's model with a fixed seed and measure held-out accuracy.

Runs in the trusted sandbox child (``autograder.grading.keras.tasks``), never in
the grader: the child is killed when a training runs past its wall-clock
budget. Nothing here remembers outcomes; the grader's memo does
(``autograder.grading.keras.memo``). The compile settings arrive as plain data
and are copied before Keras sees them, because Keras rewrites some in place.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np

from autograder.grading.keras.budget import BATCH_SIZE
from autograder.grading.keras.config import HELPERS, UnsafeModel, check_object
from autograder.grading.keras.describe import rebuild
from autograder.grading.keras.hints import crash_hint

SEED = 0
EPOCHS = 2
# Held-out accuracy required after EPOCHS epochs on the resized digits. The reference
# models reach about 0.97 (both CNNs) and 0.94 (dense); a relu output layer about 0.11.
THRESHOLDS = {"build_mnist_cnn": 0.85, "build_strided_cnn": 0.85, "build_dense_baseline": 0.80}
NPZ_THRESHOLD = 0.65  # on an instructor's MNIST or Fashion-MNIST file: one lower bar
OPTIMIZERS = frozenset({
    "adam", "adamw", "adamax", "nadam", "sgd", "rmsprop", "adagrad", "adadelta", "lion", "ftrl",
})
LOSSES = frozenset({
    "sparse_categorical_crossentropy", "categorical_crossentropy", "binary_crossentropy",
    "mean_squared_error", "mse", "mean_absolute_error", "mae", "kl_divergence", "hinge",
    "categorical_hinge", "poisson", "huber",
})
_LOSS_CLASSES = frozenset({
    "SparseCategoricalCrossentropy", "CategoricalCrossentropy", "BinaryCrossentropy",
    "MeanSquaredError", "MeanAbsoluteError", "KLDivergence", "Hinge", "CategoricalHinge",
    "Poisson", "Huber",
})
# What a compile config may hold: optimizers and losses by class, schedules, helpers.
COMPILE_OBJECTS = HELPERS | _LOSS_CLASSES | frozenset({
    "Adam", "AdamW", "Adamax", "Nadam", "SGD", "RMSprop", "Adagrad", "Adadelta", "Lion", "Ftrl",
    "ExponentialDecay", "PiecewiseConstantDecay", "InverseTimeDecay", "CosineDecay",
})


class TrainingFailed(ValueError):
    """The student's model could not be compiled or trained; the message says why."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


def train(
    config_json: str,
    arguments: dict[str, Any] | None,
    data: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    seed: int,
    epochs: int,
) -> dict[str, Any]:
    """Train once and report as plain data: ``status`` "trained" with ``accuracy``, or
    "failed" with ``error`` (and a ``hint`` when a known cause explains it)."""
    import keras

    try:
        model = _build(config_json, arguments, tuple(data[0].shape[1:]), seed)
        accuracy = _fit(model, data, epochs)
    except TrainingFailed as exc:
        return {"status": "failed", "accuracy": 0.0, "error": str(exc), "hint": exc.hint}
    finally:
        keras.backend.clear_session()  # the next training starts from the same state
    return {"status": "trained", "accuracy": accuracy, "error": None, "hint": None}


def compile_arguments(arguments: dict[str, Any] | None) -> dict[str, Any]:
    """Optimizer and loss objects from ``memo.training_arguments``, checked first.

    Raises:
        TrainingFailed: not compiled, or an optimizer or loss the grader does not accept.
    """
    import keras

    if not arguments:
        raise TrainingFailed("the model is not compiled with an optimizer and a loss")
    # Keras rewrites configs it is given; the caller's copy must stay as it was.
    optimizer, loss = copy.deepcopy(arguments["optimizer"]), copy.deepcopy(arguments["loss"])
    try:
        check_object([optimizer, loss], "compile", COMPILE_OBJECTS)
    except RecursionError:
        raise TrainingFailed("the compile settings are nested far too deeply") from None
    except UnsafeModel as exc:
        raise TrainingFailed(str(exc)) from exc
    if isinstance(optimizer, dict):
        if str(optimizer.get("class_name", "")).lower() not in OPTIMIZERS:
            raise TrainingFailed(f"optimizer {optimizer.get('class_name')!r} is not accepted")
        config = optimizer.get("config") or {}
        rate = config.get("learning_rate", 0.001)
        if not isinstance(rate, int | float) or not math.isfinite(rate) or not 0 < rate <= 10:
            raise TrainingFailed(f"the optimizer's learning rate {rate!r} cannot be used")
    elif not isinstance(optimizer, str) or optimizer.lower() not in OPTIMIZERS:
        raise TrainingFailed(f"optimizer {str(optimizer)[:40]!r} is not accepted")
    if isinstance(loss, dict):
        if loss.get("class_name") not in _LOSS_CLASSES:
            raise TrainingFailed(f"loss {str(loss.get('class_name'))[:40]!r} is not accepted")
    elif not isinstance(loss, str) or loss not in LOSSES:
        raise TrainingFailed(f"loss {str(loss)[:40]!r} is not accepted")
    try:
        return {
            "optimizer": keras.optimizers.get(optimizer),
            "loss": keras.losses.get(loss),
        }
    except Exception as exc:
        raise TrainingFailed(f"the compile settings could not be used ({exc})") from exc


def _build(config_json: str, arguments: dict[str, Any] | None, shape: tuple, seed: int) -> Any:
    """The rebuilt, compiled model, its weights drawn from ``seed``."""
    import keras

    keras.utils.set_random_seed(seed)  # before rebuilding: initial weights are drawn then
    try:
        model = rebuild(config_json, shape)
    except UnsafeModel as exc:
        raise TrainingFailed(str(exc)) from exc
    if tuple(model.input_shape[1:]) != shape:
        raise TrainingFailed(
            f"the model takes inputs of shape {tuple(model.input_shape[1:])}, "
            f"the training images have shape {shape}"
        )
    try:
        model.compile(**compile_arguments(arguments))
    except TrainingFailed:
        raise
    except Exception as exc:
        raise TrainingFailed(f"the model could not be compiled ({str(exc)[:200]})") from exc
    return model


def _fit(model: Any, data: tuple[np.ndarray, ...], epochs: int) -> float:
    """Held-out accuracy after ``epochs`` epochs of training."""
    x_train, y_train, x_test, y_test = data
    try:
        history = model.fit(
            x_train, y_train, epochs=epochs, batch_size=BATCH_SIZE, verbose=0
        )
        scores = _predict(model, x_test)
    except Exception as exc:
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        message = f"training stopped with {type(exc).__name__}: {first}"
        raise TrainingFailed(message, crash_hint(str(exc))) from exc
    losses = history.history.get("loss") or [math.nan]
    if not math.isfinite(losses[-1]):
        raise TrainingFailed("the training loss became NaN or infinite", crash_hint("NaN loss"))
    if scores.ndim != 2 or scores.shape[0] != len(y_test):
        raise TrainingFailed(f"the model's output shape {scores.shape[1:]} is not one per class")
    return float(np.mean(np.argmax(scores, axis=-1) == y_test))


def _predict(model: Any, images: np.ndarray, batch: int = 256) -> np.ndarray:
    """Class scores by calling the model directly, in batches.

    ``model.predict`` traces a new function for every model, and TensorFlow warns
    about retracing once a worker has graded a few; a plain call does not trace.
    """
    import keras

    parts = [
        keras.ops.convert_to_numpy(model(images[i : i + batch], training=False))
        for i in range(0, len(images), batch)
    ]
    return np.concatenate(parts) if parts else np.zeros((0, 0))
