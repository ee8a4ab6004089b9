"""The grader's side of model grading: estimate here, rebuild and train in a trusted child.

The grader never builds a student's model. It checks the config and estimates
its cost as data (``config``, ``budget``), refusing what is over the limits,
then asks a trusted sandbox child (forked from the warm zygote, holding no
student code) to rebuild, describe or train it. A training that runs past its
wall-clock budget is stopped by killing that child, which works the same in a
worker thread (Dask) as in a main thread: no signal is involved. What comes
back is small plain data, checked before use, so the grader's memory never
depends on what a student sent.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import tempfile
import time
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path
from typing import Any

from autograder.grading.keras.budget import estimate
from autograder.grading.keras.config import ModelConfig, UnsafeModel, parse_model
from autograder.grading.keras.data import Dataset
from autograder.grading.keras.describe import LayerSpec
from autograder.grading.keras.limits import ModelLimits
from autograder.grading.keras.memo import (
    TrainingMemo,
    TrainingOutcome,
    training_arguments,
    training_key,
)
from autograder.sandbox.config import SandboxConfig
from autograder.sandbox.proxy import CallTimeout, ChildCrashed, StudentError
from autograder.sandbox.session import Session, Zygote
from autograder.sandbox.slots import SLOT_LIMIT

# Trusted children run as their own user, apart from the submission children's slots.
TRUSTED_SLOT_OFFSET = SLOT_LIMIT
MAX_DESCRIBED = 4096  # distinct configs remembered per grader process


class ModelLab:
    """Describes and trains student models in a trusted sandbox child, with the training memo."""

    def __init__(
        self,
        zygote: Zygote,
        sandbox: SandboxConfig | None = None,
        *,
        slot: int = 0,
        limits: ModelLimits | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        limits = limits or ModelLimits()
        self.zygote, self.limits, self.slot = zygote, limits, slot + TRUSTED_SLOT_OFFSET
        cpu = int(max(limits.training_seconds, limits.describe_seconds) * 2) + 1
        self.sandbox = replace(
            sandbox or SandboxConfig(),
            call_timeout=max(limits.training_seconds, limits.describe_seconds),
            cpu_seconds_per_call=cpu,
            memory_mb=limits.memory_mb,
            # The child outlives one submission; it is replaced every tasks_per_child tasks.
            submission_seconds=float(cpu * limits.tasks_per_child),
        )
        self.memo = TrainingMemo(cache_dir)
        self.isolation = "not started"
        self._described: OrderedDict[str, tuple[LayerSpec, ...] | str] = OrderedDict()
        self._session: Session | None = None
        self._scratch: Path | None = None
        self._tasks = 0
        self._loaded: str | None = None

    # ------------------------------------------------------------ describing

    def describe(self, config_json: str, input_shape: tuple[int, ...] | None) -> list[LayerSpec]:
        """The model's layers as Keras builds them (raises UnsafeModel with the reason).

        Configs that differ only in layer names are described once per grader process.
        """
        model = parse_model(config_json)
        canonical = json.dumps([model.canonical(), input_shape], sort_keys=True, default=str)
        key = hashlib.sha256(canonical.encode()).hexdigest()
        found = self._described.get(key)
        if found is None:
            found = self._describe(model, config_json, input_shape)
            self._described[key] = found
            while len(self._described) > MAX_DESCRIBED:
                self._described.popitem(last=False)
        if isinstance(found, str):
            raise UnsafeModel(found)
        return list(found)

    def _describe(
        self, model: ModelConfig, config_json: str, input_shape: tuple[int, ...] | None
    ) -> tuple[LayerSpec, ...] | str:
        try:
            estimate(model, input_shape)  # refused before anything is built
        except UnsafeModel as exc:
            return str(exc)
        args = {"config_json": config_json, "input_shape": input_shape}
        try:
            reply = self._task("describe", args, self.limits.describe_seconds)
        except CallTimeout:
            raise UnsafeModel(
                f"building the model took longer than {self.limits.describe_seconds:g} s"
            ) from None
        except StudentError as exc:  # not remembered: a crash says nothing stable
            raise UnsafeModel(f"building the model stopped the process ({exc.message})") from None
        if type(reply) is dict and type(reply.get("unsafe")) is str:
            return reply["unsafe"][:2000]
        try:
            return tuple(_layer_spec(item) for item in reply["layers"])
        except (TypeError, KeyError, ValueError) as exc:
            raise UnsafeModel(f"the model could not be described ({exc})") from None

    # ------------------------------------------------------------ training

    def train(
        self,
        config_json: str,
        compile_config: dict[str, Any] | None,
        data: Dataset,
        seed: int,
        epochs: int,
        timeout: float | None = None,
    ) -> TrainingOutcome:
        """Train once per distinct training (memo); killed past ``timeout`` seconds."""
        arguments = training_arguments(compile_config)
        key = training_key(config_json, arguments, data.data_id, seed, epochs)
        if (found := self.memo.get(key)) is not None:
            return found
        budget = self.limits.training_seconds if timeout is None else timeout
        budget = max(0.0, min(budget, self.limits.training_seconds))
        args = {"config_json": config_json, "arguments": arguments, "seed": seed,
                "epochs": epochs, "data_id": data.data_id}
        start = time.perf_counter()
        try:
            estimate(parse_model(config_json), tuple(data.x_train.shape[1:]))
            self._load(data)
            reply = self._task("train", args, max(0.0, budget - (time.perf_counter() - start)))
            outcome = _outcome(reply, epochs, time.perf_counter() - start)
        except UnsafeModel as exc:
            outcome = TrainingOutcome(0.0, epochs, 0.0, error=str(exc), status="failed")
        except CallTimeout:
            outcome = TrainingOutcome(
                0.0, epochs, round(time.perf_counter() - start, 3), status="timeout",
                error=f"training did not finish within {budget:.3g} s and was stopped",
                hint="A model this slow to train is far larger than the specification: "
                "compare its layers with the table.",
            )
        except ChildCrashed as exc:
            outcome = TrainingOutcome(0.0, epochs, round(time.perf_counter() - start, 3),
                                      error=f"training stopped the process ({exc.message})",
                                      status="crashed")
        except (StudentError, TypeError, ValueError, KeyError) as exc:
            outcome = TrainingOutcome(0.0, epochs, 0.0, error=f"internal training error: {exc}",
                                      status="error")
        self.memo.put(key, outcome)
        return outcome

    # ------------------------------------------------------------ the child

    def _load(self, data: Dataset) -> None:
        """Send the training images to the child once (a fresh child gets them again)."""
        self._child()
        if self._loaded != data.data_id:
            self._task("load_data", {"data_id": data.data_id, "x_train": data.x_train,
                                     "y_train": data.y_train, "x_test": data.x_test,
                                     "y_test": data.y_test}, self.limits.describe_seconds)
            self._loaded = data.data_id

    def _child(self) -> Session:
        """The model child, replaced after tasks_per_child tasks."""
        if self._session is None or self._tasks >= self.limits.tasks_per_child:
            self.close()
            self._scratch = Path(tempfile.mkdtemp(prefix="convgrade-models-"))
            self._session = self.zygote.spawn(
                self._scratch, self.sandbox, slot=self.slot, trusted=True
            )
            self._tasks = 0
        return self._session

    def _task(self, name: str, args: dict[str, Any], timeout: float) -> Any:
        session = self._session if name == "train" else self._child()
        if session is None:
            raise ValueError("no model child to train in")  # a grader bug, never the student's
        self._tasks += 1
        self.isolation = session.isolation
        try:
            return session.task(name, args, timeout)
        except StudentError:
            self.close()  # a killed or failed child is never reused
            raise
        finally:
            self.isolation = session.isolation if session.isolation != "not started" else (
                self.isolation)

    def close(self) -> None:
        """Stop the model child and remove its scratch folder."""
        if self._session is not None:
            self._session.close()
            self._session = None
        self._loaded = None
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None


def _outcome(reply: Any, epochs: int, seconds: float) -> TrainingOutcome:
    """A training child's reply, checked field by field."""
    if type(reply) is not dict or reply.get("status") not in ("trained", "failed"):
        raise ValueError("malformed training reply")
    accuracy = reply.get("accuracy")
    if type(accuracy) is not float or not (math.isfinite(accuracy) and 0 <= accuracy <= 1):
        raise ValueError("malformed accuracy")
    error, hint = reply.get("error"), reply.get("hint")
    if not all(v is None or type(v) is str for v in (error, hint)):
        raise ValueError("malformed training error")
    return TrainingOutcome(
        accuracy, epochs, round(seconds, 3), error=error[:2000] if error else None,
        status=reply["status"], hint=hint[:2000] if hint else None,
    )


_INT_FIELDS = ("params", "filters", "units")
_TUPLE_FIELDS = ("kernel_size", "strides", "pool_size")


def _layer_spec(item: Any) -> LayerSpec:
    if type(item) is not dict or type(item.get("kind")) is not str:
        raise ValueError("malformed layer")
    shape = item["output_shape"]
    if type(shape) is not tuple or not all(d is None or type(d) is int for d in shape):
        raise ValueError("malformed output shape")
    for name in _INT_FIELDS:
        if item.get(name) is not None and type(item[name]) is not int:
            raise ValueError(f"malformed {name}")
    for name in _TUPLE_FIELDS:
        value = item.get(name)
        if value is not None and (type(value) is not tuple or
                                  not all(type(v) is int for v in value)):
            raise ValueError(f"malformed {name}")
    for name in ("activation", "padding"):
        if item.get(name) is not None and type(item[name]) is not str:
            raise ValueError(f"malformed {name}")
    return LayerSpec(**item)
