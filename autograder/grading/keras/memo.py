"""The training memo: equal trainings run once, and only what a finished training measured is kept.

Many students hand in the same architecture with the same compile settings.
The key is everything that decides the computation: the checked, flattened
layer configs with only their own names and build records dropped (dtype
policies, initializers, regularizers, trainability all stay), exactly the
optimizer and loss the training uses, the data, seed, epochs, batch size and
the Keras version. Only outcomes of a training that ran to its end are kept:
an accuracy, or a failure the model itself caused (NaN loss, a crash inside
``fit``), which the same config reproduces. A timeout, a killed or crashed
child and any other infrastructure error are never remembered, so they cannot
decide another submission's score or a later run's.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from autograder.grading.keras.budget import BATCH_SIZE
from autograder.grading.keras.config import UnsafeModel, parse_model

MEMO_VERSION = 2  # bump when training changes, so stored results are not reused
# "trained" and "failed" come from a training that finished; the others never enter the memo.
Status = Literal["trained", "failed", "timeout", "crashed", "error"]
MEMOIZED: frozenset[str] = frozenset({"trained", "failed"})


@dataclass(frozen=True)
class TrainingOutcome:
    """Held-out accuracy after seeded training, or why there is none."""

    accuracy: float
    epochs: int
    seconds: float
    memo_hit: bool = False
    error: str | None = None
    status: Status = "trained"
    hint: str | None = None


class TrainingMemo:
    """Outcomes already measured, kept in a dict (and optionally as JSON files)."""

    def __init__(self, cache_dir: Path | None = None) -> None:
        self.store: dict[str, dict[str, Any]] = {}
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.hits = 0
        self.misses = 0

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

    def put(self, key: str, outcome: TrainingOutcome) -> bool:
        """Remember ``outcome`` under ``key`` if a finished training produced it."""
        if outcome.status not in MEMOIZED:
            return False
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
        return True


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    fields = set(TrainingOutcome.__dataclass_fields__)
    if not isinstance(record, dict) or set(record) != fields:
        return None
    return record if record.get("status") in MEMOIZED else None


def training_arguments(compile_config: dict[str, Any] | None) -> dict[str, Any] | None:
    """The optimizer and loss a training uses, as plain data; None when there are none.

    Metrics, loss weights and execution flags do not change what the grader
    trains (it measures accuracy itself), so they are not part of it.
    """
    if not isinstance(compile_config, dict):
        return None
    optimizer, loss = compile_config.get("optimizer"), compile_config.get("loss")
    if not optimizer or not loss:
        return None
    if isinstance(loss, dict) and loss.get("class_name") == "function":
        loss = loss.get("config")  # keras.losses.<function>, stored by its name
    if isinstance(optimizer, str):
        optimizer = optimizer.lower()
    return {"optimizer": _unnamed(optimizer), "loss": _unnamed(loss)}


def _unnamed(obj: Any) -> Any:
    """An optimizer or loss without its own name (Keras numbers them: ``adam_17``).

    The name labels the object's variables and logs; it never enters the update
    or the loss value.
    """
    if isinstance(obj, dict) and isinstance(obj.get("config"), dict):
        return {**obj, "config": {k: v for k, v in obj["config"].items() if k != "name"}}
    return obj


def training_key(
    config_json: str,
    arguments: dict[str, Any] | None,
    data_id: str,
    seed: int,
    epochs: int,
) -> str:
    """Equal exactly for trainings that compute the same thing."""
    try:
        architecture: Any = parse_model(config_json).canonical()
    except UnsafeModel:
        architecture = config_json  # never trained; the key only has to be stable
    payload = {
        "version": MEMO_VERSION,
        "keras": _keras_version(),
        "architecture": architecture,
        "training": arguments,
        "data": data_id,
        "seed": seed,
        "epochs": epochs,
        "batch_size": BATCH_SIZE,
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@functools.cache
def _keras_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("keras")
    except PackageNotFoundError:
        return "unknown"
