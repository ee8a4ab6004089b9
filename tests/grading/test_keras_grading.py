"""Checking, estimating, rebuilding, describing, comparing and training models, and the memo."""

from __future__ import annotations

import json
import types
from dataclasses import replace
from pathlib import Path

import keras
import numpy as np
import pytest

from autograder.course.paths import course
from autograder.grading.keras.budget import MAX_STEP_FLOPS, estimate
from autograder.grading.keras.compare import (
    architecture_misconception,
    compare_compile,
    compare_models,
    ignored_arguments,
    show_layer,
)
from autograder.grading.keras.config import UnsafeModel, parse_model
from autograder.grading.keras.data import digits_28x28, load_npz
from autograder.grading.keras.describe import (
    LayerSpec,
    compile_spec,
    describe,
    describe_model,
    rebuild,
)
from autograder.grading.keras.hints import crash_hint
from autograder.grading.keras.memo import (
    TrainingMemo,
    TrainingOutcome,
    training_arguments,
    training_key,
)
from autograder.grading.keras.train import (
    EPOCHS,
    SEED,
    THRESHOLDS,
    compile_arguments,
    train,
)
from autograder.load.modules import load_module_group


@pytest.fixture(scope="module")
def reference() -> types.ModuleType:
    group = load_module_group(course().reference, ("model",))
    assert not group.errors, group.errors
    return group.modules["model"]


@pytest.fixture(scope="module")
def digits():
    return digits_28x28(0)


def _tiny(activation: str = "softmax", name: str | None = None, dtype: str | None = None):
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        keras.layers.Flatten(name=name),
        keras.layers.Dense(10, activation=activation, dtype=dtype),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _key(model, data_id: str = "d", seed: int = 0, epochs: int = 2) -> str:
    arguments = training_arguments(model.get_compile_config())
    return training_key(model.to_json(), arguments, data_id, seed, epochs)


def _arrays(dataset):
    return (dataset.x_train, dataset.y_train, dataset.x_test, dataset.y_test)


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
        specs = describe(model.to_json())
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
        functional = describe(keras.Model(inputs, outputs).to_json())
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

    def test_an_ignored_argument_is_named(self, reference):
        """a builder that keeps 10 outputs when asked for 5 ignores num_classes, nothing else"""
        build = reference.build_dense_baseline
        default, variant = describe_model(build()), describe_model(build((16, 16, 1), 64, 5))
        kept_ten = describe_model(build((16, 16, 1), 64, 10))
        assert ignored_arguments(default, variant, default, kept_ten) == ["num_classes"]
        assert ignored_arguments(default, variant, default, variant) == []

    def test_convolutions_left_at_stride_1_are_diagnosed(self):
        """strides left at 1 are stride-ignored; another difference as well is no diagnosis"""
        strided = LayerSpec("Conv2D", (None, 14, 14, 8), 80, "relu", 8, None, (3, 3), (2, 2))
        dense = LayerSpec("Dense", (None, 10), 100, "softmax", None, 10)
        unstrided = replace(strided, output_shape=(None, 28, 28, 8), strides=(1, 1))
        assert architecture_misconception([strided, dense], [unstrided, dense]) == "stride-ignored"
        wider = replace(unstrided, filters=16)
        assert architecture_misconception([strided, dense], [wider, dense]) is None
        assert architecture_misconception([strided, dense], [strided, dense]) is None

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


# ---------------------------------------------------------------- equivalent forms


class TestEquivalentForms:
    def test_separate_activation_layers_describe_like_arguments(self, reference):
        """Conv2D + Activation("relu"), input_shape= and a Softmax() layer match the spec"""
        model = keras.Sequential([
            keras.layers.Conv2D(64, 3, input_shape=(28, 28, 1)),
            keras.layers.Activation("relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(64, 3),
            keras.layers.ReLU(),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dense(10),
            keras.layers.Softmax(),
        ])
        expected = describe_model(reference.build_mnist_cnn())
        assert compare_models(expected, describe(model.to_json())) == []

    def test_activation_after_an_activated_layer_stays_a_layer(self):
        """an Activation after a layer that already has one is a layer of its own"""
        model = keras.Sequential([
            keras.Input((8,)), keras.layers.Dense(4, activation="relu"),
            keras.layers.Activation("softmax"),
        ])
        assert [s.kind for s in describe(model.to_json())] == ["Dense", "Activation"]

    def test_function_and_object_losses_reduce_to_one_name(self):
        """a loss given as a Keras function, an object or a string has one name"""
        model = _tiny()
        model.compile(optimizer=keras.optimizers.Adam(),
                      loss=keras.losses.sparse_categorical_crossentropy, metrics=["accuracy"])
        config = json.loads(json.dumps(model.get_compile_config(), default=str))
        assert compile_spec(config).loss == "sparse_categorical_crossentropy"
        assert training_arguments(config)["loss"] == "sparse_categorical_crossentropy"
        expected = compile_spec(_tiny().get_compile_config())
        assert compare_compile(expected, compile_spec(config)) == []


# ---------------------------------------------------------------- nesting and budget


class TestBudget:
    def test_estimate_matches_keras_on_the_reference(self, reference):
        """shapes and weights estimated from the config equal what Keras builds"""
        model = reference.build_strided_cnn()
        found = estimate(parse_model(model.to_json()))
        assert found.params == model.count_params() == 122270
        assert list(found.shapes) == [tuple(layer.output.shape[1:]) for layer in model.layers]
        assert 0 < found.step_flops < MAX_STEP_FLOPS / 10

    @pytest.mark.parametrize("form", ["sequential", "functional", "nested"])
    def test_estimate_matches_keras_on_varied_layers(self, form):
        """strides, dilation, same padding, Reshape, BatchNormalization, Dense on images:
        shapes and weights from the config equal Keras's, in every form"""
        L = keras.layers
        layers = [
            L.Rescaling(1 / 255.0), L.Conv2D(8, (3, 5), strides=(2, 1), padding="same"),
            L.BatchNormalization(axis=3), L.AveragePooling2D(3, strides=2, padding="same"),
            L.Conv2D(4, 3, dilation_rate=2, use_bias=False), L.SpatialDropout2D(0.1),
            L.Reshape((-1, 4)), L.Dense(7), L.Flatten(), L.Dropout(0.2), L.Dense(3),
            L.Softmax(),
        ]
        flat = keras.Sequential([keras.Input((28, 28, 1)), *layers])
        if form == "functional":
            inputs = x = keras.Input((28, 28, 1))
            for layer in layers:
                x = type(layer).from_config(layer.get_config())(x)
            model = keras.Model(inputs, x)
        elif form == "nested":
            inner = keras.Sequential([type(la).from_config(la.get_config()) for la in layers])
            model = keras.Sequential([keras.Input((28, 28, 1)), inner])
        else:
            model = flat
        found = estimate(parse_model(model.to_json()))
        assert found.params == flat.count_params()
        assert list(found.shapes) == [tuple(layer.output.shape[1:]) for layer in flat.layers]

    def test_nested_models_are_flattened_and_counted(self):
        """a Sequential inside a Sequential is described as the flat stack it computes"""
        inner = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten()])
        nested = keras.Sequential([keras.Input((28, 28, 1)), inner,
                                   keras.layers.Dense(10, activation="softmax")])
        assert describe(nested.to_json()) == describe(_tiny().to_json())
        assert estimate(parse_model(nested.to_json())).params == 7850

    def test_frozen_nested_model_freezes_its_layers(self):
        """a nested model with trainable=False passes that on to each of its layers"""
        inner = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
        inner.trainable = False
        outer = keras.Sequential([keras.Input((4,)), inner, keras.layers.Dense(2)])
        layers = parse_model(outer.to_json()).layers
        assert [layer["config"]["trainable"] for layer in layers] == [False, True]

    def test_slow_small_model_is_refused_by_step_cost(self):
        """a model of a few thousand weights whose step costs far too much is refused"""
        config = {"module": "keras", "class_name": "Sequential", "config": {"layers": [
            {"module": "keras.layers", "class_name": "InputLayer",
             "config": {"batch_shape": [None, 128, 128, 1]}},
            {"module": "keras.layers", "class_name": "Conv2D",
             "config": {"filters": 16, "kernel_size": [15, 15], "padding": "same"}},
        ]}}
        model = parse_model(json.dumps(config))
        with pytest.raises(UnsafeModel, match="too slow to train"):
            estimate(model)

    def test_deeply_nested_config_is_refused_not_a_crash(self):
        """a layer config nested thousands of levels deep is refused with a message"""
        deep = '{"a": ' * 5000 + "1" + "}" * 5000
        text = _tiny().to_json().replace('"kernel_constraint": null',
                                         f'"kernel_constraint": {deep}')
        with pytest.raises(UnsafeModel, match=r"nested|not valid JSON"):
            parse_model(text)

    def test_too_many_layers_are_refused(self):
        """a stack of hundreds of cheap layers is refused before building"""
        model = keras.Sequential([keras.Input((4,)), *[keras.layers.ReLU() for _ in range(80)]])
        with pytest.raises(UnsafeModel, match="at most 64"):
            parse_model(model.to_json())


# ---------------------------------------------------------------- memo


class TestMemo:
    def test_key_ignores_names_but_not_settings(self):
        """renaming a layer keeps the key; activation, dtype policy, seed or epochs change it"""
        key = _key(_tiny())
        assert _key(_tiny(name="flat_renamed")) == key
        assert _key(_tiny("relu")) != key
        assert _key(_tiny(dtype="float16")) != key
        assert _key(_tiny(), seed=1) != key and _key(_tiny(), epochs=3) != key

    def test_key_follows_the_training_arguments_not_the_metrics(self):
        """metrics do not change the key, the loss and the optimizer's settings do"""
        model = _tiny()
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["mae"])
        assert _key(model) == _key(_tiny())
        model.compile(optimizer=keras.optimizers.Adam(0.5), loss="sparse_categorical_crossentropy")
        assert _key(model) != _key(_tiny())

    def test_memo_persists_to_its_directory(self, tmp_path: Path):
        """an outcome put in one memo is found by a fresh memo reading the same directory"""
        outcome = TrainingOutcome(0.91, 2, 1.5)
        TrainingMemo(tmp_path).put("k", outcome)
        fresh = TrainingMemo(tmp_path)
        assert fresh.get("k") == TrainingOutcome(0.91, 2, 1.5, memo_hit=True)
        assert fresh.get("other") is None
        assert (fresh.hits, fresh.misses) == (1, 1)

    @pytest.mark.parametrize("status", ["timeout", "crashed", "error"])
    def test_unfinished_trainings_are_never_memoized(self, tmp_path: Path, status):
        """a timeout, a crash or an infrastructure error is not remembered, on disk or not"""
        memo = TrainingMemo(tmp_path)
        assert memo.put("k", TrainingOutcome(0.0, 2, 9.0, error="x", status=status)) is False
        assert memo.get("k") is None and list(tmp_path.iterdir()) == []

    def test_memo_writers_racing_leave_one_whole_record(self, tmp_path: Path):
        """many memos writing the same key leave one readable record and no temporary files"""
        from concurrent.futures import ThreadPoolExecutor

        def write(i: int) -> None:
            TrainingMemo(tmp_path).put("k", TrainingOutcome(0.5 + i / 100, 2, 1.0))

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(write, range(32)))
        assert [p.name for p in tmp_path.iterdir()] == ["k.json"]
        found = TrainingMemo(tmp_path).get("k")
        assert found is not None and 0.5 <= found.accuracy < 0.83


# ---------------------------------------------------------------- training (as the child runs it)


class TestTraining:
    def test_compile_arguments_leave_the_shared_settings_untouched(self):
        """building optimizer and loss twice from one settings dict leaves it as it was"""
        model = _tiny()
        model.compile(optimizer=keras.optimizers.Adam(),
                      loss=keras.losses.SparseCategoricalCrossentropy())
        settings = training_arguments(json.loads(json.dumps(model.get_compile_config())))
        before = json.dumps(settings, sort_keys=True)
        compile_arguments(settings)
        compile_arguments(settings)
        assert json.dumps(settings, sort_keys=True) == before

    def test_uncompiled_model_fails_with_a_reason(self, digits):
        """a model without compile settings is not trained and says why"""
        outcome = train(_tiny().to_json(), None, _arrays(digits), 0, 1)
        assert outcome["status"] == "failed" and "not compiled" in outcome["error"]

    def test_rank_crash_gets_the_hint_that_explains_it(self, digits):
        """categorical cross-entropy on integer labels crashes with a hint about the loss"""
        arguments = {"optimizer": "adam", "loss": "categorical_crossentropy"}
        outcome = train(_tiny().to_json(), arguments, _arrays(digits), 0, 1)
        assert "must have the same rank" in outcome["error"]
        assert "sparse_categorical_crossentropy" in outcome["hint"]
        assert crash_hint("something else entirely") is None

    def test_reference_cnn_beats_the_grader_threshold(self, reference, digits):
        """the reference CNN, trained as the grader trains it, clears the stated accuracy"""
        model = reference.build_mnist_cnn()
        arguments = training_arguments(model.get_compile_config())
        outcome = train(model.to_json(), arguments, _arrays(digits), SEED, EPOCHS)
        assert outcome["status"] == "trained"
        assert outcome["accuracy"] >= THRESHOLDS["build_mnist_cnn"] + 0.05
