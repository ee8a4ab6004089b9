"""The hidden model grader end to end against small hand-written submissions.

Student code runs in-process here (ModuleProxy); the grader's own model work
runs as in production, in a trusted child of a real sandbox zygote.
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from pathlib import Path

import pytest
from grading_helpers import ModuleProxy, reference_modules

from autograder.course.paths import PACKAGE_DIR, course
from autograder.grading.keras.lab import ModelLab
from autograder.grading.plugin import GraderState, GradingOptions, run_graders
from autograder.grading.results import TestOutcome
from autograder.load.modules import load_module_group
from autograder.sandbox.session import Zygote

GRADER = PACKAGE_DIR / "graders" / "test_model.py"
REFERENCE = (course().reference / "model.py").read_text()


@pytest.fixture(scope="module")
def reference() -> dict[str, types.ModuleType]:
    return reference_modules(("model",))


@pytest.fixture(scope="module")
def zygote() -> Iterator[Zygote]:
    with Zygote() as warm:
        yield warm


@pytest.fixture(scope="module")
def shared_lab(zygote: Zygote) -> Iterator[ModelLab]:
    """One lab for tests that do not count memo hits: equal trainings run once."""
    lab = ModelLab(zygote)
    yield lab
    lab.close()


def _state(reference, lab: ModelLab, train: bool) -> GraderState:
    return GraderState(reference=reference, options=GradingOptions(train_models=train),
                       models=lab)


def _submission(tmp_path: Path, source: str) -> ModuleProxy:
    folder = tmp_path / "submission"
    folder.mkdir(parents=True)
    (folder / "model.py").write_text(source)
    group = load_module_group(folder, ("model",))
    assert not group.errors, group.errors
    return ModuleProxy(group.modules)


def _grade(proxy: ModuleProxy, state: GraderState, sid: str = "sid") -> list[TestOutcome]:
    outcomes, errors = run_graders(proxy, sid, state, graders=[GRADER])
    assert errors == []
    return outcomes


def _lost(outcomes: list[TestOutcome]) -> dict[str, TestOutcome]:
    return {o.name: o for o in outcomes if o.score < o.max_score}


def _mutant(old: str, new: str) -> str:
    assert old in REFERENCE, old
    return REFERENCE.replace(old, new, 1)


def _builder_of(name: str) -> str:
    return name.split(" [")[1].rstrip("]")


def _follows(outcomes: list[TestOutcome]) -> dict[str, TestOutcome]:
    return {o.id: o for o in outcomes if "follows_from" in o.details}


@pytest.mark.needs_root
def test_reference_scores_full_marks_and_second_copy_is_not_retrained(
    tmp_path, reference, shared_lab
):
    """the reference earns all 30 points; a renamed copy reuses the memo instead of training"""
    lab = shared_lab
    hits, misses = lab.memo.hits, lab.memo.misses
    state = _state(reference, lab, train=True)
    first = _grade(_submission(tmp_path / "a", REFERENCE), state, "first")
    assert sum(o.max_score for o in first) == 30
    assert _lost(first) == {}
    learned = [o for o in first if o.name.startswith("trained with a fixed seed")]
    assert len(learned) == 3
    renamed = REFERENCE.replace("keras.layers.Flatten()", "keras.layers.Flatten(name='flat')")
    second = _grade(_submission(tmp_path / "b", renamed), state, "second")
    assert _lost(second) == {}
    relearned = [o for o in second if o.name.startswith("trained with a fixed seed")]
    assert [o.details["properties"]["memo_hit"] for o in relearned] == [True, True, True]
    assert lab.memo.hits - hits >= 3 and lab.memo.misses - misses <= 3
    assert lab.isolation == "full" or lab.isolation.startswith("reduced")


@pytest.mark.needs_root
def test_wrong_layer_costs_only_the_architecture_check(tmp_path, reference, shared_lab):
    """average pooling for max pooling loses the layer check once, with a layer diff;
    the same difference under other arguments follows from it and costs nothing"""
    source = _mutant(
        "keras.layers.MaxPooling2D(2),\n            keras.layers.Conv2D(64",
        "keras.layers.AveragePooling2D(2),\n            keras.layers.Conv2D(64",
    )
    outcomes = _grade(_submission(tmp_path, source), _state(reference, shared_lab, False))
    lost = _lost(outcomes)
    assert set(lost) == {
        "the layers, their settings and output shapes match the specification [build_mnist_cnn]",
    }
    output = next(iter(lost.values())).output
    assert "layer 2: expected MaxPooling2D(2x2) -> (None, 13, 13, 64)" in output
    assert "got AveragePooling2D(2x2)" in output
    follows = _follows(outcomes)
    assert set(follows) == {"model.other_arguments[mnist-cnn-32x32x3-5]"}
    assert follows["model.other_arguments[mnist-cnn-32x32x3-5]"].output.startswith(
        "Follows from the layer check of build_mnist_cnn"
    )
    assert "follows-from:model.architecture[build_mnist_cnn]" in (
        follows["model.other_arguments[mnist-cnn-32x32x3-5]"].tags
    )


@pytest.mark.needs_root
def test_ignored_argument_is_charged_beside_a_layer_mistake(tmp_path, reference, shared_lab):
    """a builder that ignores num_classes loses the other-arguments check even when its
    layers also differ: ignoring an argument is a mistake of its own"""
    source = _mutant(
        "keras.layers.MaxPooling2D(2),\n            keras.layers.Conv2D(64",
        "keras.layers.AveragePooling2D(2),\n            keras.layers.Conv2D(64",
    ).replace("keras.layers.Dense(num_classes,", "keras.layers.Dense(10,", 1)
    lost = _lost(_grade(_submission(tmp_path, source), _state(reference, shared_lab, False)))
    variant = lost["the builder honours its input_shape, num_classes and hidden_units "
                   "arguments [mnist-cnn-32x32x3-5]"]
    assert "ignored: num_classes" in variant.output
    assert len(lost) == 2


@pytest.mark.needs_root
def test_uncompiled_models_lose_only_the_compile_points_and_score_alike(
    tmp_path, reference, shared_lab
):
    """models returned without compile() fail the three compile tests and nothing else;
    two identical such submissions get the same score"""
    source = REFERENCE.replace("    model.compile(", "    dict(")
    scores = []
    for sid in ("first", "second"):
        outcomes = _grade(_submission(tmp_path / sid, source),
                          _state(reference, shared_lab, True), sid)
        lost = _lost(outcomes)
        assert sorted(lost) == sorted(
            f"the model is compiled with Adam, sparse categorical cross-entropy and accuracy [{b}]"
            for b in ("build_mnist_cnn", "build_strided_cnn", "build_dense_baseline")
        )
        assert all("not compiled" in o.output for o in lost.values())
        learned = [o for o in outcomes if o.name.startswith("trained with a fixed seed")]
        assert all(o.details["properties"]["compiled_by_grader"] is True for o in learned)
        scores.append(sum(o.score for o in outcomes))
    assert scores == [27, 27]


@pytest.mark.needs_root
def test_lambda_layer_is_refused_without_running_it(tmp_path, reference, shared_lab):
    """a Lambda layer makes the dense baseline ungradable; its code never runs in the grader"""
    source = _mutant(
        "keras.layers.Flatten(),\n            keras.layers.Dense(hidden_units",
        "keras.layers.Flatten(),\n            keras.layers.Lambda(lambda t: t * 2),\n"
        "            keras.layers.Dense(hidden_units",
    )
    lost = _lost(_grade(_submission(tmp_path, source), _state(reference, shared_lab, True)))
    assert {_builder_of(n) for n in lost} == {"build_dense_baseline", "dense-16x16-64-5"}
    assert len(lost) == 5  # no model to compare: returns, layers, size, learning, arguments
    assert all("Lambda layers cannot be graded" in o.output for o in lost.values())


@pytest.mark.needs_root
def test_missing_softmax_costs_only_the_architecture_check(tmp_path, reference, shared_lab):
    """a linear output layer loses the layer check of that model; its failed training and
    the other-arguments check follow from it and cost nothing"""
    source = _mutant(
        'keras.layers.Dense(hidden_units, activation="relu"),\n'
        '            keras.layers.Dense(num_classes, activation="softmax"),',
        'keras.layers.Dense(hidden_units, activation="relu"),\n'
        '            keras.layers.Dense(num_classes),',
    )
    outcomes = _grade(_submission(tmp_path, source), _state(reference, shared_lab, True))
    lost = _lost(outcomes)
    assert list(lost) == [
        "the layers, their settings and output shapes match the specification "
        "[build_dense_baseline]"
    ]
    assert "activation should be 'softmax', got 'linear'" in next(iter(lost.values())).output
    assert sum(o.score for o in outcomes) == 27
    follows = _follows(outcomes)
    assert "model.other_arguments[dense-16x16-64-5]" in follows
    for outcome in follows.values():
        assert outcome.details["follows_from"] == "model.architecture[build_dense_baseline]"


@pytest.mark.needs_root
def test_logits_with_from_logits_loss_costs_only_the_architecture_check(
    tmp_path, reference, shared_lab
):
    """a linear output layer with from_logits=True in the loss is one mistake: the layer
    check charges it and the compile check follows from it"""
    source = _mutant(
        '            keras.layers.Dense(num_classes, activation="softmax"),\n'
        '        ]\n    )\n    model.compile(\n'
        '        optimizer="adam", loss="sparse_categorical_crossentropy"',
        '            keras.layers.Dense(num_classes),\n        ]\n    )\n    model.compile(\n'
        '        optimizer="adam", '
        "loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)",
    )
    outcomes = _grade(_submission(tmp_path, source), _state(reference, shared_lab, False))
    assert [o.id for o in outcomes if o.score < o.max_score] == [
        "model.architecture[build_mnist_cnn]"
    ]
    compiled = _follows(outcomes)["model.compile_settings[build_mnist_cnn]"]
    assert "from_logits=True fits your output layer" in compiled.output


@pytest.mark.needs_root
def test_wrong_loss_is_charged_in_compile_only_with_a_hint(tmp_path, reference, shared_lab):
    """categorical cross-entropy costs the compile checks; the training crash it causes
    follows from them and explains the rank error"""
    source = REFERENCE.replace('loss="sparse_categorical_crossentropy"',
                               'loss="categorical_crossentropy"')
    outcomes = _grade(_submission(tmp_path, source), _state(reference, shared_lab, True))
    lost = _lost(outcomes)
    assert {n.split(" [")[0] for n in lost} == {
        "the model is compiled with Adam, sparse categorical cross-entropy and accuracy"
    }
    learned = [o for o in outcomes if o.name.startswith("trained with a fixed seed")]
    assert len(learned) == 3
    for outcome in learned:
        assert outcome.score == outcome.max_score
        assert outcome.details["follows_from"].startswith("model.compile_settings[")
        assert "must have the same rank" in outcome.output
        assert "sparse_categorical_crossentropy" in outcome.details["hint"]


@pytest.mark.needs_root
def test_equivalent_keras_forms_score_full_marks(tmp_path, reference, shared_lab):
    """separate Activation / ReLU / Softmax layers, input_shape= and object optimizers and
    losses are the same model"""
    source = (
        REFERENCE.replace('keras.Input(shape=input_shape),\n            keras.layers.Conv2D(64, 3,'
                          ' activation="relu"),',
                          'keras.layers.Conv2D(64, 3, input_shape=input_shape),\n'
                          '            keras.layers.Activation("relu"),')
        .replace('keras.layers.Dense(num_classes, activation="softmax"),',
                 'keras.layers.Dense(num_classes),\n            keras.layers.Softmax(),')
        .replace('optimizer="adam", loss="sparse_categorical_crossentropy"',
                 "optimizer=keras.optimizers.Adam(), "
                 "loss=keras.losses.SparseCategoricalCrossentropy()")
    )
    assert source.count("layers.Softmax()") == 3 and "input_shape=input_shape)" in source
    outcomes = _grade(_submission(tmp_path, source), _state(reference, shared_lab, False))
    assert _lost(outcomes) == {}


@pytest.mark.needs_root
def test_training_off_skips_learning_tests(tmp_path, reference, shared_lab):
    """with train_models off the learning tests are not run and not reported"""
    outcomes = _grade(_submission(tmp_path, REFERENCE), _state(reference, shared_lab, False))
    assert sum(o.max_score for o in outcomes) == 21
    assert not any(o.name.startswith("trained") for o in outcomes)


def test_no_model_lab_means_no_model_is_built_here(tmp_path, reference):
    """without a sandboxed lab the model checks fail as grader errors instead of building"""
    state = GraderState(reference=reference, options=GradingOptions(train_models=False))
    outcomes = _grade(_submission(tmp_path, REFERENCE), state)
    architecture = [o for o in outcomes if o.name.startswith("the layers")]
    assert architecture and all(o.details.get("error") == "grader" for o in architecture)
