"""Tests for autograder.grading.keras.builds and data.Datasets: what a grader keeps, by call."""

import types

import numpy as np

from autograder.grading.keras.builds import ModelCall, ReferenceModels, StudentModels
from autograder.grading.keras.data import Datasets
from autograder.sandbox.proxy import KerasModelData


class _Model:
    """Just enough of a compiled Keras model for describing it."""

    input_shape = (None, 4, 4, 1)

    def __init__(self, units: int) -> None:
        self.units = units
        self.layers: list = []  # no layers to describe: only the totals are read

    def get_compile_config(self):
        return {"optimizer": "adam", "loss": "sparse_categorical_crossentropy",
                "metrics": ["accuracy"]}

    def count_params(self) -> int:
        return self.units


def _reference_module(built: list) -> types.ModuleType:
    module = types.ModuleType("model")

    def build(shape=(4, 4, 1), units=3):
        built.append((shape, units))
        return _Model(units)

    module.build = build
    return module


def test_a_reference_model_is_built_once_per_call():
    """The same call is built once; other arguments are another build."""
    built: list = []
    module, models = _reference_module(built), ReferenceModels()
    first = models.get(module, ModelCall.of("build"))
    again = models.get(module, ModelCall.of("build"))
    other = models.get(module, ModelCall.of("build", ((8, 8, 1),), {"units": 5}))
    assert first is again and built == [((4, 4, 1), 3), ((8, 8, 1), 5)]
    assert (first.params, other.params) == (3, 5)
    assert first.compile_config == _Model(3).get_compile_config()


def test_keyword_order_does_not_make_another_call():
    """Keyword arguments given in another order name the same call."""
    assert ModelCall.of("b", (), {"a": 1, "c": 2}) == ModelCall.of("b", (), {"c": 2, "a": 1})
    assert ModelCall.of("b", (), {"a": 1}).keywords == {"a": 1}


def test_student_models_are_kept_per_call():
    """A submission's model is found again by its call, and only by it."""
    models, data = StudentModels(), KerasModelData("{}", None)
    models.keep(ModelCall.of("build"), data)
    assert models.get(ModelCall.of("build")) is data
    assert models.get(ModelCall.of("build", (1,))) is None


def test_datasets_load_each_file_once(tmp_path):
    """An instructor's .npz is read once per grader process and seed."""
    rng = np.random.default_rng(0)
    path = tmp_path / "data.npz"
    np.savez(path, x_train=rng.integers(0, 255, (20, 28, 28)), y_train=np.arange(20) % 10,
             x_test=rng.integers(0, 255, (10, 28, 28)), y_test=np.arange(10))
    datasets = Datasets()
    first = datasets.npz(path, seed=1)
    path.unlink()  # a second read would fail
    assert datasets.npz(path, seed=1) is first
    assert first.x_train.shape == (20, 28, 28, 1)
