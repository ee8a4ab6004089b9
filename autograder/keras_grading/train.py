"""Train a student's model with a fixed seed and measure held-out accuracy, once per model.

Many students hand in the same architecture with the same compile settings, so
results are remembered under a hash of what decides the training (architecture
without layer names, compile settings, data, seed, epochs) in the grader's cache
dict and, when a cache directory is given, in small JSON files there.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from autograder.keras_grading.data import Dataset
from autograder.keras_grading.describe import (
    COMPILE_OBJECTS,
    UnsafeModel,
    check_object,
    layer_configs,
    rebuild,
)

BATCH_SIZE = 32
SEED = 0
EPOCHS = 2
# Held-out accuracy required after EPOCHS epochs on the resized digits. The reference
# models reach about 0.97 (both CNNs) and 0.94 (dense); a relu output layer about 0.11.
THRESHOLDS = {"build_mnist_cnn": 0.85, "build_strided_cnn": 0.85, "build_dense_baseline": 0.80}
NPZ_THRESHOLD = 0.65  # on an instructor's MNIST or Fashion-MNIST file: one lower bar
MEMO_VERSION = 1  # bump when training changes, so stored results are not reused
OPTIMIZERS = frozenset({
    "adam", "adamw", "adamax", "nadam", "sgd", "rmsprop", "adagrad", "adadelta", "lion", "ftrl",
})
LOSSES = frozenset({
    "sparse_categorical_crossentropy", "categorical_crossentropy", "binary_crossentropy",
    "mean_squared_error", "mse", "mean_absolute_error", "mae", "kl_divergence", "hinge",
    "categorical_hinge", "poisson", "huber",
})
_LOSS_CLASSES = {
    "SparseCategoricalCrossentropy", "CategoricalCrossentropy", "BinaryCrossentropy",
    "MeanSquaredError", "MeanAbsoluteError", "KLDivergence", "Hinge", "CategoricalHinge",
    "Poisson", "Huber",
}


class TrainingFailed(ValueError):
    """The student's model could not be compiled or trained; the message says why."""


@dataclass(frozen=True)
class TrainingOutcome:
    """Held-out accuracy after seeded training (or why training failed)."""

    accuracy: float
    epochs: int
    seconds: float
    memo_hit: bool = False
    error: str | None = None


class TrainingMemo:
    """Outcomes already measured, kept in a dict (and optionally as JSON files)."""

    def __init__(self, store: dict[str, Any], cache_dir: Path | None = None) -> None:
        self.store = store
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.hits = 0
        self.misses = 0

    @classmethod
    def in_cache(cls, grader_cache: dict[str, Any], cache_dir: Path | None = None) -> TrainingMemo:
        """The memo kept in a grader process's cache dict, created on first use."""
        memo = grader_cache.get("keras_training_memo")
        if not isinstance(memo, cls):
            memo = grader_cache["keras_training_memo"] = cls({}, cache_dir)
        return memo

    def get(self, key: str) -> TrainingOutcome | None:
        """The remembered outcome for ``key`` (counted as a hit), or None (a miss)."""
        found = self.store.get(key)
        if found is None and self.cache_dir is not None:
            found = _read_json(self.cache_dir / f"{key}.json")
            if found is not None:
                self.store[key] = found
        if found is None:
            self.misses += 1
            return None
        self.hits += 1
        return TrainingOutcome(**{**found, "memo_hit": True})

    def put(self, key: str, outcome: TrainingOutcome) -> None:
        """Remember ``outcome`` under ``key``."""
        record = asdict(outcome) | {"memo_hit": False}
        self.store[key] = record
        if self.cache_dir is not None:
            # Grader processes may finish the same model at once: each writes its own
            # temporary file and renames it, so a reader sees a whole record or none.
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(prefix=f".{key}-", suffix=".tmp", dir=self.cache_dir)
            with os.fdopen(fd, "w") as handle:
                handle.write(json.dumps(record))
            os.replace(temporary, self.cache_dir / f"{key}.json")


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    fields = set(TrainingOutcome.__dataclass_fields__)
    return record if isinstance(record, dict) and set(record) == fields else None


def training_key(
    config_json: str, compile_config: dict[str, Any] | None, data_id: str, seed: int, epochs: int
) -> str:
    """Equal for models that train identically: layer names and other labels do not count."""
    try:
        input_shape, layers = layer_configs(config_json)
        architecture: Any = {"input": input_shape, "layers": _semantic(layers)}
    except UnsafeModel:
        architecture = config_json  # never trained; the key only has to be stable
    payload = {
        "version": MEMO_VERSION,
        "architecture": architecture,
        "compile": _semantic(compile_config),
        "data": data_id,
        "seed": seed,
        "epochs": epochs,
        "batch_size": BATCH_SIZE,
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _semantic(node: Any) -> Any:
    """A config without the fields that do not change training (names, build records)."""
    ignored = {"name", "build_config", "inbound_nodes", "registered_name"}
    if isinstance(node, dict):
        return {k: _semantic(v) for k, v in node.items() if k not in ignored}
    if isinstance(node, list):
        return [_semantic(v) for v in node]
    return node


def compile_arguments(compile_config: dict[str, Any] | None) -> dict[str, Any]:
    """Optimizer and loss objects from the student's compile settings, checked first.

    Raises:
        TrainingFailed: not compiled, or an optimizer or loss the grader does not accept.
    """
    import keras

    if not compile_config or not compile_config.get("optimizer") or not compile_config.get("loss"):
        raise TrainingFailed("the model is not compiled with an optimizer and a loss")
    optimizer, loss = compile_config["optimizer"], compile_config["loss"]
    try:
        check_object([optimizer, loss], "compile", COMPILE_OBJECTS)
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


def train_and_evaluate(
    config_json: str,
    compile_config: dict[str, Any] | None,
    data: Dataset,
    seed: int,
    epochs: int,
    *,
    memo: TrainingMemo | None = None,
) -> TrainingOutcome:
    """Rebuild the model in safe mode, train it with a fixed seed, score the held-out images.

    A failure (forbidden layer, bad compile settings, shapes that do not fit the
    data, a loss that turns NaN) is an outcome with ``error`` set, remembered like
    any other so a broken model is not retried for every copy of it.
    """
    key = training_key(config_json, compile_config, data.data_id, seed, epochs)
    if memo is not None and (found := memo.get(key)) is not None:
        return found
    start = time.perf_counter()
    try:
        accuracy = _train(config_json, compile_config, data, seed, epochs)
        error = None
    except TrainingFailed as exc:
        accuracy, error = 0.0, str(exc)
    outcome = TrainingOutcome(accuracy, epochs, round(time.perf_counter() - start, 3), False, error)
    if memo is not None:
        memo.put(key, outcome)
    return outcome


def _train(
    config_json: str, compile_config: dict[str, Any] | None, data: Dataset, seed: int, epochs: int
) -> float:
    import keras

    keras.utils.set_random_seed(seed)  # before rebuilding: initial weights are drawn then
    try:
        model = rebuild(config_json, tuple(data.x_train.shape[1:]))
    except UnsafeModel as exc:
        raise TrainingFailed(str(exc)) from exc
    if tuple(model.input_shape[1:]) != tuple(data.x_train.shape[1:]):
        raise TrainingFailed(
            f"the model takes inputs of shape {tuple(model.input_shape[1:])}, "
            f"the training images have shape {tuple(data.x_train.shape[1:])}"
        )
    model.compile(**compile_arguments(compile_config))
    try:
        history = model.fit(
            data.x_train, data.y_train, epochs=epochs, batch_size=BATCH_SIZE, verbose=0
        )
        scores = _predict(model, data.x_test)
    except Exception as exc:
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        raise TrainingFailed(f"training stopped with {type(exc).__name__}: {first}") from exc
    losses = history.history.get("loss") or [math.nan]
    if not math.isfinite(losses[-1]):
        raise TrainingFailed("the training loss became NaN or infinite")
    if scores.ndim != 2 or scores.shape[0] != len(data.y_test):
        raise TrainingFailed(f"the model's output shape {scores.shape[1:]} is not one per class")
    return float(np.mean(np.argmax(scores, axis=-1) == data.y_test))


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
