"""The hidden model grader end to end, in-process, against small hand-written submissions."""

from __future__ import annotations

import types
from pathlib import Path

import pytest
from grading_helpers import ModuleProxy

from autograder.modules import load_module_group
from autograder.paths import PACKAGE_DIR, course
from autograder.plugin import GraderState, GradingOptions, run_graders
from autograder.results import TestOutcome

GRADER = PACKAGE_DIR / "graders" / "test_model.py"
REFERENCE = (course().reference / "model.py").read_text()


@pytest.fixture(scope="module")
def reference() -> dict[str, types.ModuleType]:
    group = load_module_group(course().reference, ("model",))
    assert not group.errors, group.errors
    return group.modules


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


def test_reference_scores_full_marks_and_second_copy_is_not_retrained(tmp_path, reference):
    """the reference earns all 30 points; a renamed copy reuses the memo instead of training"""
    state = GraderState(reference=reference, options=GradingOptions(train_models=True))
    first = _grade(_submission(tmp_path / "a", REFERENCE), state, "first")
    assert sum(o.max_score for o in first) == 30
    assert _lost(first) == {}
    learned = [o for o in first if o.name.startswith("trained with a fixed seed")]
    assert len(learned) == 3
    assert all(o.details["properties"]["memo_hit"] is False for o in learned)
    renamed = REFERENCE.replace("keras.layers.Flatten()", "keras.layers.Flatten(name='flat')")
    second = _grade(_submission(tmp_path / "b", renamed), state, "second")
    assert _lost(second) == {}
    relearned = [o for o in second if o.name.startswith("trained with a fixed seed")]
    assert [o.details["properties"]["memo_hit"] for o in relearned] == [True, True, True]
    memo = state.cache["keras_training_memo"]
    assert (memo.hits, memo.misses) == (3, 3)


def test_wrong_layer_loses_architecture_points_with_a_diff(tmp_path, reference):
    """average pooling in place of max pooling fails the architecture tests with a layer diff"""
    source = _mutant(
        "keras.layers.MaxPooling2D(2),\n            keras.layers.Conv2D(64",
        "keras.layers.AveragePooling2D(2),\n            keras.layers.Conv2D(64",
    )
    state = GraderState(reference=reference, options=GradingOptions(train_models=False))
    lost = _lost(_grade(_submission(tmp_path, source), state))
    assert set(lost) == {
        "the layers, their settings and output shapes match the specification [build_mnist_cnn]",
        "the builder honours its input_shape, num_classes and hidden_units arguments "
        "[mnist-cnn-32x32x3-5]",
    }
    output = lost[next(iter(n for n in lost if "build_mnist_cnn" in n))].output
    assert "layer 2: expected MaxPooling2D(2x2) -> (None, 13, 13, 64)" in output
    assert "got AveragePooling2D(2x2)" in output


def test_uncompiled_models_lose_only_the_compile_points(tmp_path, reference):
    """models returned without compile() fail the three compile tests and nothing else:
    they are trained with the specified compile settings, so learning still scores"""
    source = REFERENCE.replace("    model.compile(", "    dict(")
    state = GraderState(reference=reference, options=GradingOptions(train_models=True))
    outcomes = _grade(_submission(tmp_path, source), state)
    lost = _lost(outcomes)
    assert sorted(lost) == sorted(
        f"the model is compiled with Adam, sparse categorical cross-entropy and accuracy [{b}]"
        for b in ("build_mnist_cnn", "build_strided_cnn", "build_dense_baseline")
    )
    assert all("not compiled" in o.output for o in lost.values())
    assert sum(o.score for o in outcomes) == 30 - 3
    learned = [o for o in outcomes if o.name.startswith("trained with a fixed seed")]
    assert len(learned) == 3
    assert all(o.details["properties"]["compiled_by_grader"] is True for o in learned)


def test_lambda_layer_is_refused_without_running_it(tmp_path, reference):
    """a Lambda layer makes the dense baseline ungradable; its code never runs in the grader"""
    source = _mutant(
        "keras.layers.Flatten(),\n            keras.layers.Dense(hidden_units",
        "keras.layers.Flatten(),\n            keras.layers.Lambda(lambda t: t * 2),\n"
        "            keras.layers.Dense(hidden_units",
    )
    state = GraderState(reference=reference, options=GradingOptions(train_models=True))
    lost = _lost(_grade(_submission(tmp_path, source), state))
    assert {n.split(" [")[1].rstrip("]") for n in lost} == {
        "build_dense_baseline", "dense-16x16-64-5",
    }
    assert len(lost) == 5  # returns, architecture, parameters, learning, other arguments
    assert all("Lambda layers cannot be graded" in o.output for o in lost.values())


def test_relu_output_fails_architecture_and_learning(tmp_path, reference):
    """a relu output layer is named in the diff and cannot reach the accuracy threshold"""
    source = _mutant(
        'keras.layers.Dense(hidden_units, activation="relu"),\n'
        '            keras.layers.Dense(num_classes, activation="softmax"),',
        'keras.layers.Dense(hidden_units, activation="relu"),\n'
        '            keras.layers.Dense(num_classes, activation="relu"),',
    )
    state = GraderState(reference=reference, options=GradingOptions(train_models=True))
    lost = _lost(_grade(_submission(tmp_path, source), state))
    assert {n.split(" [")[1].rstrip("]") for n in lost} == {
        "build_dense_baseline", "dense-16x16-64-5",
    }
    assert len(lost) == 3  # architecture, learning, other arguments
    architecture = next(o for n, o in lost.items() if n.startswith("the layers"))
    assert "layer 3 (Dense): activation should be 'softmax', got 'relu'" in architecture.output
    learning = next(o for n, o in lost.items() if n.startswith("trained"))
    assert "required 0.80" in learning.output


def test_training_off_skips_learning_tests(tmp_path, reference):
    """with train_models off the learning tests are not run and not reported"""
    state = GraderState(reference=reference, options=GradingOptions(train_models=False))
    outcomes = _grade(_submission(tmp_path, REFERENCE), state)
    assert sum(o.max_score for o in outcomes) == 21
    assert not any(o.name.startswith("trained") for o in outcomes)
    assert "keras_training_memo" not in state.cache
