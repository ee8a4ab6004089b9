"""Public checks for model.py: each builder's layers, activations, size and compile settings.

The expected layers are the ones the exercise text states, for the default
arguments; a difference is shown as a table, the expected layer next to yours.
Output shapes are left out of what these checks show on purpose: working them
out is part of the quiz.
"""

from __future__ import annotations

from dataclasses import replace

from autograder.grading.feedback import Mismatch
from autograder.grading.keras.compare import compare_compile, compare_models, show_layer
from autograder.grading.keras.describe import (
    CompileSpec,
    LayerSpec,
    UnsafeModel,
    compile_spec,
    describe,
)
from autograder.sandbox.proxy import KerasModelData
from autograder.student.display import layer_table_lines
from autograder.student.marks import mark

pytestmark = [mark.exercise("model"), mark.points(0)]
INPUT = (28, 28, 1)
COMPILED = CompileSpec("adam", "sparse_categorical_crossentropy", ("accuracy",))
PARAMS = {"build_mnist_cnn": 243786, "build_strided_cnn": 122270, "build_dense_baseline": 101770}


def _conv(filters, size, strides=1, padding="valid"):
    return LayerSpec("Conv2D", (), 0, "relu", filters=filters, kernel_size=(size, size),
                     strides=(strides, strides), padding=padding)


POOL = LayerSpec("MaxPooling2D", (), 0, strides=(2, 2), padding="valid", pool_size=(2, 2))
FLATTEN = LayerSpec("Flatten", (), 0)


def _dense(units, activation):
    return LayerSpec("Dense", (), 0, activation, units=units)


EXPECTED = {
    "build_mnist_cnn": [
        _conv(64, 3), POOL, _conv(64, 3), POOL, FLATTEN, _dense(128, "relu"),
        _dense(10, "softmax"),
    ],
    "build_strided_cnn": [
        _conv(4, 5, padding="same"), _conv(8, 5, strides=2, padding="same"),
        _conv(12, 4, strides=2, padding="same"), FLATTEN, _dense(200, "relu"),
        _dense(10, "softmax"),
    ],
    "build_dense_baseline": [FLATTEN, _dense(128, "relu"), _dense(10, "softmax")],
}


class LayerMismatch(Mismatch):
    """A model that differs from the exercise, with both models as table rows."""

    def __init__(self, message: str, rows: list[list[str]], **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.rows = rows

    def details(self) -> dict:
        return {**super().details(), "layers": self.rows}


def _layer(spec: LayerSpec) -> str:
    """A layer's kind and settings, without its output shape or size."""
    return show_layer(spec).split(" -> ")[0]


def _check(student, builder: str) -> None:
    case = f"{builder}()"
    model = student.call("model", builder)
    if type(model) is not KerasModelData:
        raise Mismatch(f"{builder} must return a Keras model", case=case,
                       got=f"a value of type {type(model).__name__}")
    try:
        found = describe(model, INPUT)
    except UnsafeModel as exc:
        raise Mismatch(f"the model from {builder} cannot be graded", case=case, got=str(exc),
                       hint="Build it from keras.Input and the built-in Keras layers.") from exc
    expected = EXPECTED[builder]
    layers = [replace(spec, output_shape=(), params=0) for spec in found]
    differences = compare_models(expected, layers)
    total = sum(spec.params for spec in found)
    if total != PARAMS[builder]:
        differences.append(f"the model has {total:,} parameters, expected {PARAMS[builder]:,}")
    differences += compare_compile(COMPILED, compile_spec(model.compile_config))
    if differences:
        rows = [
            [str(n + 1), _layer(expected[n]) if n < len(expected) else "-",
             _layer(layers[n]) if n < len(layers) else "-"]
            for n in range(max(len(expected), len(layers)))
        ]
        raise LayerMismatch(
            f"{builder} differs from the exercise in {len(differences)} place(s)",
            rows, case=case, diff=[*differences, *layer_table_lines(rows)],
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
