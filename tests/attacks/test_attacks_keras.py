"""Attacks through a student's Keras model: each costs only its own points, never the grader."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import types
from collections.abc import Iterator
from pathlib import Path

import keras
import pytest
from grading_helpers import ModuleProxy, reference_modules

from autograder.course.paths import PACKAGE_DIR
from autograder.grading.keras.budget import estimate
from autograder.grading.keras.config import parse_model
from autograder.grading.keras.data import digits_28x28
from autograder.grading.keras.lab import ModelLab, ModelLimits
from autograder.grading.keras.memo import training_arguments, training_key
from autograder.grading.keras.train import EPOCHS, SEED, THRESHOLDS
from autograder.grading.plugin import GraderState, GradingOptions, run_graders
from autograder.load.modules import load_module_group
from autograder.sandbox.session import Zygote

ROOT = Path(__file__).resolve().parents[2]
GRADER = PACKAGE_DIR / "graders" / "test_model.py"
# The unbuilt student model holds no weights; rebuilt it would hold 800 million.
NESTED_HUGE = '''
import keras


def _huge(num_classes=10):
    inner = keras.Sequential([keras.layers.Dense(20000), keras.layers.Dense(20000)])
    model = keras.Sequential([keras.layers.Flatten(), inner, keras.layers.Dense(num_classes)])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def build_mnist_cnn(input_shape=(28, 28, 1), num_classes=10):
    return _huge(num_classes)


def build_strided_cnn(input_shape=(28, 28, 1), num_classes=10):
    return _huge(num_classes)


def build_dense_baseline(input_shape=(28, 28, 1), hidden_units=128, num_classes=10):
    return _huge(num_classes)
'''


@pytest.fixture(scope="module")
def zygote() -> Iterator[Zygote]:
    with Zygote() as warm:
        yield warm


@pytest.fixture(scope="module")
def reference() -> dict[str, types.ModuleType]:
    return reference_modules(("model",))


@pytest.fixture(scope="module")
def digits():
    return digits_28x28(SEED)


def _nested_config(units: int = 20000) -> str:
    """A hand-written config: Flatten, a Sequential of two Dense(units), Dense(10)."""
    def dense(n: int) -> dict:
        return {"module": "keras.layers", "class_name": "Dense", "config": {"units": n}}

    inner = {"module": "keras", "class_name": "Sequential",
             "config": {"layers": [dense(units), dense(units)]}}
    return json.dumps({"module": "keras", "class_name": "Sequential", "config": {"layers": [
        {"module": "keras.layers", "class_name": "InputLayer",
         "config": {"batch_shape": [None, 28, 28, 1]}},
        {"module": "keras.layers", "class_name": "Flatten", "config": {}},
        inner, dense(10),
    ]}})


_BOUNDED_CHECK = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (768 << 20, 768 << 20))
import numpy as np
from autograder.grading.keras.config import UnsafeModel
from autograder.grading.keras.data import Dataset
from autograder.grading.keras.lab import ModelLab

class NoZygote:
    def spawn(self, *args, **kwargs):
        raise AssertionError("a child was started for a model over the limits")

lab = ModelLab(NoZygote())
config = sys.stdin.read()
try:
    lab.describe(config, (28, 28, 1))
    described = "built"
except UnsafeModel as exc:
    described = str(exc)
images = np.zeros((4, 28, 28, 1), np.float32)
data = Dataset(images, np.zeros(4, np.int64), images, np.zeros(4, np.int64), "zeros")
outcome = lab.train(config, {"optimizer": "adam", "loss": "mse"}, data, 0, 1)
status = open("/proc/self/status").read().split("VmHWM:")[1]
peak = int(status.split()[0]) // 1024  # ru_maxrss would count the parent before exec
print(json.dumps({"describe": described, "train": outcome.error, "status": outcome.status,
                  "peak_mib": peak}))
"""


def test_nested_giant_is_refused_from_its_config_in_bounded_memory():
    """A nested Sequential of 800 million weights is refused before anything is built,
    by a grader held to 768 MiB of address space, and no child is ever started."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1",
           "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", _BOUNDED_CHECK], input=_nested_config(),
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout)
    assert "far too large" in found["describe"] and "at layer 2, Dense" in found["describe"]
    assert "far too large" in found["train"] and found["status"] == "failed"
    assert found["peak_mib"] < 300


def test_nested_giant_costs_only_the_model_points(tmp_path, reference, zygote):
    """Unbuilt nested giants returned by every builder lose the model exercise's points
    with a clear message; the grader never starts a child to build them."""
    (tmp_path / "model.py").write_text(NESTED_HUGE)
    group = load_module_group(tmp_path, ("model",))
    assert not group.errors, group.errors
    lab = ModelLab(zygote)
    state = GraderState(reference=reference, options=GradingOptions(train_models=True),
                        models=lab)
    outcomes, errors = run_graders(ModuleProxy(group.modules), "giant", state, [GRADER])
    assert errors == []
    lost = [o for o in outcomes if o.score < o.max_score]
    assert {o.name.split(" [")[0] for o in lost} >= {
        "the function returns a Keras model the grader can rebuild",
        "trained with a fixed seed, the model classifies held-out digits well enough",
    }
    assert all(o.score == 0 for o in outcomes if "compiled" not in o.name)
    assert any("far too large to grade" in o.output for o in lost)
    assert lab.isolation == "not started"  # refused from the config: no child was needed


def _slow_model() -> keras.Model:
    """About 38,000 weights, but each step costs billions of operations on 28x28 images."""
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(64, 3, padding="same", activation="relu"),
        keras.layers.Conv2D(64, 3, padding="same", activation="relu"),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


@pytest.mark.needs_root
def test_slow_training_is_killed_at_its_budget_off_the_main_thread(zygote, digits):
    """A small model whose training far outlasts a 3 s budget is killed at the budget,
    from a worker thread (as on Dask, where no alarm signal can reach it); the timeout is
    not memoized and the next model still trains."""
    model = _slow_model()
    assert model.count_params() < 40_000
    estimate(parse_model(model.to_json()))  # legal: only the budget can stop it
    lab = ModelLab(zygote, limits=ModelLimits(training_seconds=3.0))
    found = {}

    def grade() -> None:
        start = time.monotonic()
        found["outcome"] = lab.train(model.to_json(), model.get_compile_config(), digits,
                                     SEED, EPOCHS)
        found["seconds"] = time.monotonic() - start

    worker = threading.Thread(target=grade)
    worker.start()
    worker.join(60)
    assert not worker.is_alive()
    outcome = found["outcome"]
    assert outcome.status == "timeout" and "did not finish within 3 s" in outcome.error
    assert 2.5 < found["seconds"] < 3.0 + 8.0
    key = training_key(model.to_json(), training_arguments(model.get_compile_config()),
                       digits.data_id, SEED, EPOCHS)
    assert lab.memo.get(key) is None  # a timeout is never remembered
    tiny = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                             keras.layers.Dense(10, activation="softmax")])
    assert [s.kind for s in lab.describe(tiny.to_json(), None)] == ["Flatten", "Dense"]
    lab.close()


@pytest.mark.needs_root
def test_float16_copy_graded_first_cannot_change_the_reference_score(
    tmp_path, reference, zygote, digits
):
    """A float16-policy copy of the dense baseline trained first, then the reference, in one
    lab and again after a regrade from the stored memo: the reference keeps its accuracy."""
    build = reference["model"].build_dense_baseline
    correct = build()
    copy = keras.Sequential([
        keras.Input((28, 28, 1)), keras.layers.Flatten(),
        keras.layers.Dense(128, activation="relu", dtype="float16"),
        keras.layers.Dense(10, activation="softmax", dtype="float16"),
    ])
    copy.compile(**{k: correct.get_compile_config()[k] for k in ("optimizer", "loss")})
    lab = ModelLab(zygote, cache_dir=tmp_path / "memo")
    poisoned = lab.train(copy.to_json(), copy.get_compile_config(), digits, SEED, EPOCHS)
    graded = lab.train(correct.to_json(), correct.get_compile_config(), digits, SEED, EPOCHS)
    lab.close()
    assert not graded.memo_hit and graded.accuracy >= THRESHOLDS["build_dense_baseline"]
    assert poisoned.accuracy < graded.accuracy
    regrade = ModelLab(zygote, cache_dir=tmp_path / "memo")
    again = regrade.train(correct.to_json(), correct.get_compile_config(), digits, SEED, EPOCHS)
    assert again.memo_hit and again.accuracy == graded.accuracy
