"""Safe rebuilding, description, comparison, data and the training memo of keras_grading."""

from __future__ import annotations

import json
import types
from pathlib import Path

import keras
import numpy as np
import pytest

from autograder.keras_grading.compare import compare_compile, compare_models, show_layer
from autograder.keras_grading.data import digits_28x28, load_npz
from autograder.keras_grading.describe import (
    UnsafeModel,
    compile_spec,
    describe,
    describe_model,
    rebuild,
)
from autograder.keras_grading.train import (
    EPOCHS,
    SEED,
    THRESHOLDS,
    TrainingMemo,
    TrainingOutcome,
    train_and_evaluate,
    training_key,
)
from autograder.modules import load_module_group
from autograder.paths import course
from autograder.proxy import KerasModelData


@pytest.fixture(scope="module")
def reference() -> types.ModuleType:
    group = load_module_group(course().reference, ("model",))
    assert not group.errors, group.errors
    return group.modules["model"]


@pytest.fixture(scope="module")
def digits():
    return digits_28x28(0)


def _data(model) -> KerasModelData:
    config = model.get_compile_config() if model.compiled else None
    return KerasModelData(model.to_json(), config, None)


def _tiny(activation: str = "softmax", name: str | None = None):
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        keras.layers.Flatten(name=name),
        keras.layers.Dense(10, activation=activation),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


# ---------------------------------------------------------------- data


class TestData:
    def test_digits_are_28x28_in_unit_range(self, digits):
        """the resized digits are 1,400 / 397 float32 images in [0, 1] with labels 0-9"""
        x_train, y_train, x_test, y_test = digits
        assert x_train.shape == (1400, 28, 28, 1) and x_test.shape == (397, 28, 28, 1)
        assert x_train.dtype == np.float32 and x_train.min() >= 0 and x_train.max() <= 1
        assert set(np.unique(y_train)) == set(range(10)) and len(y_test) == 397

    def test_digits_split_depends_only_on_the_seed(self, digits):
        """the same seed gives the same split, another seed another split"""
        again, other = digits_28x28(0), digits_28x28(1)
        assert np.array_equal(again.y_test, digits.y_test) and again.data_id == digits.data_id
        assert not np.array_equal(other.y_test, digits.y_test)

    def test_npz_is_subsampled_scaled_and_given_a_channel(self, tmp_path):
        """an MNIST-style npz of uint8 images comes back in [0, 1] with a channel axis"""
        rng = np.random.default_rng(0)
        path = tmp_path / "mnist.npz"
        np.savez(path, x_train=rng.integers(0, 256, (50, 28, 28), dtype=np.uint8),
                 y_train=rng.integers(0, 10, 50), x_test=np.full((8, 28, 28), 255, np.uint8),
                 y_test=np.arange(8))
        data = load_npz(path, n_train=20, n_test=5)
        assert data.x_train.shape == (20, 28, 28, 1) and data.x_test.shape == (5, 28, 28, 1)
        assert data.x_test.max() == 1.0 and data.x_train.dtype == np.float32

    def test_npz_without_labels_or_with_objects_is_refused(self, tmp_path):
        """a missing key or an object array raises ValueError instead of unpickling"""
        np.savez(tmp_path / "short.npz", x_train=np.zeros((2, 28, 28)))
        with pytest.raises(ValueError, match="y_test"):
            load_npz(tmp_path / "short.npz")
        objects = np.array([{"a": 1}, None], dtype=object)
        np.savez(tmp_path / "obj.npz", x_train=objects, y_train=objects, x_test=objects,
                 y_test=objects)
        with pytest.raises(ValueError):
            load_npz(tmp_path / "obj.npz")


# ---------------------------------------------------------------- describing and safety


class TestDescribe:
    def test_reference_cnn_is_described_layer_by_layer(self, reference):
        """the rebuilt reference CNN has the spec's shapes and its parameters add up"""
        model = reference.build_mnist_cnn()
        specs = describe(_data(model))
        assert [s.kind for s in specs] == [
            "Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Flatten", "Dense", "Dense",
        ]
        assert specs[3].output_shape == (None, 5, 5, 64) and specs[4].output_shape == (None, 1600)
        assert sum(s.params for s in specs) == model.count_params() == 243786
        assert specs[-1].activation == "softmax" and specs[0].kernel_size == (3, 3)

    def test_functional_chain_describes_like_sequential(self, reference):
        """a functional model with the same layers gives the same description"""
        inputs = keras.Input(shape=(28, 28, 1))
        x = keras.layers.Conv2D(4, 5, padding="same", activation="relu")(inputs)
        x = keras.layers.Conv2D(8, 5, strides=2, padding="same", activation="relu")(x)
        x = keras.layers.Conv2D(12, 4, strides=2, padding="same", activation="relu")(x)
        x = keras.layers.Dense(200, activation="relu")(keras.layers.Flatten()(x))
        outputs = keras.layers.Dense(10, activation="softmax")(x)
        functional = describe(_data(keras.Model(inputs, outputs)))
        assert functional == describe_model(reference.build_strided_cnn())

    def test_lambda_layer_is_refused(self):
        """a Lambda layer is rejected by name before any deserialization"""
        model = keras.Sequential([keras.Input((4,)), keras.layers.Lambda(lambda t: t * 2)])
        with pytest.raises(UnsafeModel, match="Lambda"):
            rebuild(model.to_json())

    @pytest.mark.parametrize(
        ("path", "value"),
        [
            (("module",), "os"),
            (("class_name",), "MyCustomDense"),
            (("registered_name",), "custom>Dense"),
            (("config", "activation"), "__import__"),
        ],
        ids=["module", "class", "registered", "activation"],
    )
    def test_forged_configs_are_refused(self, path, value):
        """a layer config pointing outside Keras's own classes raises UnsafeModel"""
        config = json.loads(_tiny().to_json())
        target = config["config"]["layers"][2]
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        with pytest.raises(UnsafeModel):
            rebuild(json.dumps(config))

    def test_huge_model_is_refused_before_building(self):
        """a model with billions of weights is refused from its config alone"""
        config = json.loads(_tiny().to_json())
        config["config"]["layers"][2]["config"]["units"] = 10**7
        with pytest.raises(UnsafeModel, match="too large"):
            rebuild(json.dumps(config))

    def test_branching_functional_model_is_refused(self):
        """a functional model whose layers do not form one chain is refused"""
        inputs = keras.Input(shape=(8,))
        a = keras.layers.Dense(4)(inputs)
        b = keras.layers.Dense(4)(inputs)
        model = keras.Model(inputs, [a, b])
        with pytest.raises(UnsafeModel, match="straight stack"):
            rebuild(model.to_json())

    def test_compile_spec_reads_strings_and_objects(self):
        """string and object compile arguments reduce to the same names"""
        model = _tiny()
        by_name = compile_spec(model.get_compile_config())
        model.compile(
            optimizer=keras.optimizers.Adam(),
            loss=keras.losses.SparseCategoricalCrossentropy(),
            metrics=[keras.metrics.SparseCategoricalAccuracy()],
        )
        by_object = compile_spec(model.get_compile_config())
        assert by_name.optimizer == by_object.optimizer == "adam"
        assert by_name.loss == by_object.loss == "sparse_categorical_crossentropy"
        assert by_name.metrics == ("accuracy",)
        assert by_object.metrics == ("sparse_categorical_accuracy",)
        assert compile_spec(None) is None


# ---------------------------------------------------------------- comparing


class TestCompare:
    def test_equal_models_have_no_differences(self, reference):
        """the reference compared with itself yields no lines"""
        specs = describe_model(reference.build_mnist_cnn())
        assert compare_models(specs, specs) == []

    def test_wrong_missing_and_extra_layers_are_named(self, reference):
        """a replaced layer, a dropped layer and an added layer each get a numbered line"""
        expected = describe_model(reference.build_mnist_cnn())
        replaced = [*expected[:1], expected[2], *expected[2:]]
        lines = compare_models(expected, replaced)
        assert lines[0].startswith("layer 2: expected " + show_layer(expected[1]))
        dropped = compare_models(expected, expected[:3] + expected[4:])
        assert any(line.startswith("layer 4: missing MaxPooling2D") for line in dropped)
        extra = compare_models(expected, [*expected, expected[-1]])
        assert extra == [f"your layer 8: unexpected {show_layer(expected[-1])}"]

    def test_wrong_activation_is_reported_with_both_values(self):
        """a relu output layer is named with the expected softmax"""
        expected = describe_model(_tiny())
        got = describe_model(_tiny("relu"))
        assert compare_models(expected, got) == [
            "layer 2 (Dense): activation should be 'softmax', got 'relu'"
        ]

    def test_compile_problems_are_explained(self):
        """missing compile, wrong loss and metrics passed as loss_weights each get a line"""
        model = _tiny()
        expected = compile_spec(model.get_compile_config())
        assert "not compiled" in compare_compile(expected, None)[0]
        model.compile("adam", "categorical_crossentropy", ["accuracy"])
        lines = compare_compile(expected, compile_spec(model.get_compile_config()))
        assert lines[0] == (
            "loss should be 'sparse_categorical_crossentropy', got 'categorical_crossentropy'"
        )
        assert any("loss_weights" in line for line in lines)


# ---------------------------------------------------------------- training and memo


class TestTraining:
    def test_key_ignores_names_but_not_settings(self):
        """renaming a layer keeps the key; another activation, seed or epoch count changes it"""
        base = _tiny()
        key = training_key(base.to_json(), base.get_compile_config(), "d", 0, 2)
        renamed = _tiny(name="flat_renamed")
        assert training_key(renamed.to_json(), renamed.get_compile_config(), "d", 0, 2) == key
        relu = _tiny("relu")
        assert training_key(relu.to_json(), relu.get_compile_config(), "d", 0, 2) != key
        assert training_key(base.to_json(), base.get_compile_config(), "d", 1, 2) != key
        assert training_key(base.to_json(), base.get_compile_config(), "d", 0, 3) != key

    def test_memo_persists_to_its_directory(self, tmp_path: Path):
        """an outcome put in one memo is found by a fresh memo reading the same directory"""
        outcome = TrainingOutcome(0.91, 2, 1.5)
        TrainingMemo({}, tmp_path).put("k", outcome)
        fresh = TrainingMemo({}, tmp_path)
        assert fresh.get("k") == TrainingOutcome(0.91, 2, 1.5, memo_hit=True)
        assert fresh.get("other") is None
        assert (fresh.hits, fresh.misses) == (1, 1)

    def test_memo_writers_racing_leave_one_whole_record(self, tmp_path: Path):
        """many memos writing the same key leave one readable record and no temporary files"""
        from concurrent.futures import ThreadPoolExecutor

        def write(i: int) -> None:
            TrainingMemo({}, tmp_path).put("k", TrainingOutcome(0.5 + i / 100, 2, 1.0))

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(write, range(32)))
        assert [p.name for p in tmp_path.iterdir()] == ["k.json"]
        found = TrainingMemo({}, tmp_path).get("k")
        assert found is not None and 0.5 <= found.accuracy < 0.83

    def test_identical_model_trains_once(self, digits):
        """the second identical model is answered by the memo with the same accuracy"""
        memo = TrainingMemo.in_cache({})
        first_model, second_model = _tiny(), _tiny(name="other_name")
        first = train_and_evaluate(first_model.to_json(), first_model.get_compile_config(),
                                   digits, 0, 1, memo=memo)
        second = train_and_evaluate(second_model.to_json(), second_model.get_compile_config(),
                                    digits, 0, 1, memo=memo)
        assert not first.memo_hit and second.memo_hit
        assert second.accuracy == first.accuracy > 0.5
        assert (memo.hits, memo.misses) == (1, 1)

    def test_uncompiled_model_fails_with_a_reason(self, digits):
        """a model without compile settings is not trained and says why"""
        outcome = train_and_evaluate(_tiny().to_json(), None, digits, 0, 1)
        assert outcome.error is not None and "not compiled" in outcome.error
        assert outcome.accuracy == 0.0

    def test_reference_cnn_beats_the_grader_threshold(self, reference, digits):
        """the reference CNN, trained as the grader trains it, clears the stated accuracy"""
        model = reference.build_mnist_cnn()
        outcome = train_and_evaluate(model.to_json(), model.get_compile_config(), digits,
                                     SEED, EPOCHS)
        assert outcome.error is None
        assert outcome.accuracy >= THRESHOLDS["build_mnist_cnn"] + 0.05
