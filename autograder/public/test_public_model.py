"""Public checks for model.py: each builder's layers, sizes, activations and compile settings.

The expected layers are the ones the exercise text states, for the default
arguments. A difference is shown as a table: the expected layer next to yours.
"""

from __future__ import annotations

import pytest

from autograder.feedback import Mismatch
from autograder.keras_grading.compare import compare_compile, compare_models, show_layer
from autograder.keras_grading.describe import (
    CompileSpec,
    LayerSpec,
    UnsafeModel,
    compile_spec,
    describe,
)
from autograder.proxy import KerasModelData

pytestmark = [pytest.mark.exercise("model"), pytest.mark.points(1)]
INPUT = (28, 28, 1)
COMPILED = CompileSpec("adam", "sparse_categorical_crossentropy", ("accuracy",))


def _conv(shape, filters, size, params, strides=1, padding="valid"):
    return LayerSpec("Conv2D", (None, *shape), params, "relu", filters=filters,
                     kernel_size=(size, size), strides=(strides, strides), padding=padding)


def _pool(shape):
    return LayerSpec("MaxPooling2D", (None, *shape), 0, strides=(2, 2), padding="valid",
                     pool_size=(2, 2))


def _flatten(size):
    return LayerSpec("Flatten", (None, size), 0)


def _dense(units, params, activation):
    return LayerSpec("Dense", (None, units), params, activation, units=units)


EXPECTED = {
    "build_mnist_cnn": [
        _conv((26, 26, 64), 64, 3, 640), _pool((13, 13, 64)),
        _conv((11, 11, 64), 64, 3, 36928), _pool((5, 5, 64)), _flatten(1600),
        _dense(128, 204928, "relu"), _dense(10, 1290, "softmax"),
    ],
    "build_strided_cnn": [
        _conv((28, 28, 4), 4, 5, 104, padding="same"),
        _conv((14, 14, 8), 8, 5, 808, strides=2, padding="same"),
        _conv((7, 7, 12), 12, 4, 1548, strides=2, padding="same"), _flatten(588),
        _dense(200, 117800, "relu"), _dense(10, 2010, "softmax"),
    ],
    "build_dense_baseline": [
        _flatten(784), _dense(128, 100480, "relu"), _dense(10, 1290, "softmax"),
    ],
}


class LayerMismatch(Mismatch):
    """A model that differs from the exercise, with both models as table rows."""

    def __init__(self, message: str, rows: list[list[str]], **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.rows = rows

    def details(self) -> dict:
        return {**super().details(), "layers": self.rows}


def _check(student, builder: str) -> None:
    case = f"{builder}()"
    model = student.call("model", builder)
    if type(model) is not KerasModelData:
        raise Mismatch(f"{builder} must return a Keras model", case=case,
                       got=f"a value of type {type(model).__name__}")
    try:
        layers = describe(model, INPUT)
    except UnsafeModel as exc:
        raise Mismatch(f"the model from {builder} cannot be graded", case=case, got=str(exc),
                       hint="Build it from keras.Input and the built-in Keras layers.") from exc
    expected = EXPECTED[builder]
    differences = compare_models(expected, layers)
    differences += compare_compile(COMPILED, compile_spec(model.compile_config))
    if differences:
        rows = [
            [str(n + 1), show_layer(expected[n]) if n < len(expected) else "-",
             show_layer(layers[n]) if n < len(layers) else "-"]
            for n in range(max(len(expected), len(layers)))
        ]
        raise LayerMismatch(
            f"{builder} differs from the exercise in {len(differences)} place(s)",
            rows, case=case, diff=differences,
        )


def test_build_mnist_cnn(student):
    """build_mnist_cnn has the layers, sizes, activations and compile settings of the exercise"""
    _check(student, "build_mnist_cnn")


def test_build_strided_cnn(student):
    """build_strided_cnn has the layers, sizes, activations and compile settings of the exercise"""
    _check(student, "build_strided_cnn")


def test_build_dense_baseline(student):
    """build_dense_baseline has the layers, sizes, activations and compile settings of the task"""
    _check(student, "build_dense_baseline")
