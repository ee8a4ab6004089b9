"""Hidden tests for model.py: architecture, size, compile settings and learning of three models.

The student's model arrives as its JSON config. The grader checks it and
estimates its cost as data; it is rebuilt, described and trained only in a
trusted sandbox child (``models`` fixture, ``grading.keras.lab``), and compared
with the reference model built here. Equal trainings share one run through the
memo. With training turned off the learning tests are skipped, not failed.

One mistake, one charge: a check that fails only because of a difference an
earlier check of the same model already charged says "Follows from ..." and
costs nothing (a wrong layer costs the architecture check, not the parameter
count, the learning check and the other-arguments check as well; a wrong loss
costs the compile check, not the learning check).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from typing import Any

import pytest

from autograder.grading.feedback import FollowsFrom, Mismatch
from autograder.grading.keras.compare import (
    compare_compile,
    compare_models,
    ignored_arguments,
    side_by_side,
)
from autograder.grading.keras.config import UnsafeModel
from autograder.grading.keras.data import Dataset, digits_28x28, load_npz
from autograder.grading.keras.describe import (
    CompileSpec,
    LayerSpec,
    compile_spec,
    describe_model,
)
from autograder.grading.keras.train import EPOCHS, NPZ_THRESHOLD, SEED, THRESHOLDS
from autograder.grading.misconceptions import HINTS
from autograder.grading.support import describe_call
from autograder.sandbox.proxy import KerasModelData

pytestmark = pytest.mark.exercise("model")
MODULE = "model"
BUILDERS = ("build_mnist_cnn", "build_strided_cnn", "build_dense_baseline")
# Other arguments, to check that input_shape, num_classes and hidden_units are used.
VARIANTS = {
    "mnist-cnn-32x32x3-5": ("build_mnist_cnn", ((32, 32, 3), 5), {}),
    "strided-cnn-32x32x3-5": ("build_strided_cnn", ((32, 32, 3), 5), {}),
    "dense-16x16-64-5": ("build_dense_baseline", ((16, 16, 1),), {"hidden_units": 64,
                                                                  "num_classes": 5}),
}


@dataclass(frozen=True)
class Expected:
    """The reference model for one call, described once per grader process."""

    layers: tuple[LayerSpec, ...]
    compile: CompileSpec
    params: int
    input_shape: tuple[int, ...]
    # As JSON text, never a shared dict: each training gets its own fresh copy.
    compile_json: str

    @property
    def compile_config(self) -> dict[str, Any]:
        return json.loads(self.compile_json)


def _expected(reference, grader_cache: dict[str, Any], builder: str, args=(), kwargs=None):
    kwargs = kwargs or {}
    key = f"keras-reference:{builder}:{args!r}:{sorted(kwargs.items())!r}"
    if key not in grader_cache:
        model = getattr(reference[MODULE], builder)(*args, **kwargs)
        spec = compile_spec(model.get_compile_config())
        assert spec is not None, f"reference {builder} is not compiled"
        grader_cache[key] = Expected(
            tuple(describe_model(model)), spec, int(model.count_params()),
            tuple(model.input_shape[1:]), json.dumps(model.get_compile_config(), default=str),
        )
    return grader_cache[key]


def _student_model(
    student, submission_cache: dict[str, Any], builder: str, args=(), kwargs=None
) -> KerasModelData:
    """The student's model for one call, built once per submission in the sandbox."""
    key = f"keras-student:{builder}:{args!r}:{sorted((kwargs or {}).items())!r}"
    value = submission_cache.get(key)
    if value is None:
        value = student.call(MODULE, builder, *args, **(kwargs or {}))
    if type(value) is not KerasModelData:
        raise Mismatch(
            f"{builder} must return a Keras model",
            case=describe_call(builder, *args, **(kwargs or {})),
            got=f"a value of type {type(value).__name__}",
        )
    submission_cache[key] = value
    return value


def _student_layers(data: KerasModelData, models, builder: str, expected: Expected):
    """The student's layers, as the model child rebuilds them."""
    try:
        return models.describe(data.config_json, expected.input_shape)
    except UnsafeModel as exc:
        raise Mismatch(
            f"The model from {builder} cannot be graded",
            got=str(exc),
            hint="Build the model from keras.Input and the built-in layers only "
            "(Conv2D, MaxPooling2D, Flatten, Dense, ...), as small as the specification.",
        ) from exc


def _check_architecture(builder: str, case: str, expected: Expected, got: list[LayerSpec]):
    problems = compare_models(list(expected.layers), got)
    if not problems:
        return
    code = _misconception(list(expected.layers), got)
    raise Mismatch(
        f"The layers of {builder} differ from the specification",
        case=case,
        diff=[*problems, "", *side_by_side(list(expected.layers), got)],
        misconception=code,
        hint=HINTS.get(code) if code else "Compare your layers with the table, row by row.",
    )


def _misconception(expected: list[LayerSpec], got: list[LayerSpec]) -> str | None:
    """``stride-ignored`` when the only difference is convolutions left at stride 1."""
    if [e.kind for e in expected] != [g.kind for g in got]:
        return None
    settings_differ = [
        e for e, g in zip(expected, got, strict=True)
        if (e.filters, e.units, e.kernel_size, e.padding, e.activation)
        != (g.filters, g.units, g.kernel_size, g.padding, g.activation)
    ]
    strides_wrong = [
        e for e, g in zip(expected, got, strict=True)
        if e.kind == "Conv2D" and e.strides != g.strides and set(g.strides or ()) == {1}
    ]
    return "stride-ignored" if strides_wrong and not settings_differ else None


def _expected_and_got(student, submission_cache, reference, grader_cache, models, builder):
    """The reference model's description and the student's layers for ``builder()``."""
    expected = _expected(reference, grader_cache, builder)
    data = _student_model(student, submission_cache, builder)
    return expected, _student_layers(data, models, builder, expected)


def _architecture_charged(expected: Expected, got: list[LayerSpec]) -> bool:
    return bool(compare_models(list(expected.layers), got))


def _follows(check: str, builder: str, message: str, **fields: Any) -> FollowsFrom:
    labels = {"architecture": "the layer check", "compile_settings": "the compile check"}
    return FollowsFrom(f"model.{check}[{builder}]", f"{labels[check]} of {builder}", message,
                       **fields)


@pytest.mark.points(1)
@pytest.mark.parametrize("builder", BUILDERS)
def test_returns_model(student, submission_cache, reference, grader_cache, models, builder):
    """the function returns a Keras model the grader can rebuild"""
    _expected_and_got(student, submission_cache, reference, grader_cache, models, builder)


@pytest.mark.points(3)
@pytest.mark.parametrize("builder", BUILDERS)
def test_architecture(student, submission_cache, reference, grader_cache, models, builder):
    """the layers, their settings and output shapes match the specification"""
    expected, got = _expected_and_got(
        student, submission_cache, reference, grader_cache, models, builder
    )
    _check_architecture(builder, f"{builder}()", expected, got)


@pytest.mark.points(1)
@pytest.mark.parametrize("builder", BUILDERS)
def test_parameter_count(student, submission_cache, reference, grader_cache, models, builder):
    """the model has as many parameters as the specification"""
    expected, got = _expected_and_got(
        student, submission_cache, reference, grader_cache, models, builder
    )
    total = sum(spec.params for spec in got)
    if total != expected.params:
        message = f"{builder} has {total:,} parameters, expected {expected.params:,}"
        diff = [f"layer {i}: {s.kind} {s.params:,}" for i, s in enumerate(got, start=1)]
        if _architecture_charged(expected, got):
            raise _follows("architecture", builder, message, case=f"{builder}()", diff=diff)
        raise Mismatch(message, case=f"{builder}()", diff=diff)


@pytest.mark.points(1)
@pytest.mark.parametrize("builder", BUILDERS)
def test_compile_settings(student, submission_cache, reference, grader_cache, models, builder):
    """the model is compiled with Adam, sparse categorical cross-entropy and accuracy"""
    expected = _expected(reference, grader_cache, builder)
    data = _student_model(student, submission_cache, builder)
    got = compile_spec(data.compile_config)
    problems = compare_compile(expected.compile, got)
    if not problems:
        return
    message = f"The compile settings of {builder} differ"
    if got is not None and got.from_logits and not compare_compile(
        expected.compile, replace(got, from_logits=expected.compile.from_logits)
    ):
        # from_logits=True is right for a model whose last layer has no softmax: that
        # layer is the one mistake, and the layer check charges it.
        try:
            layers = _student_layers(data, models, builder, expected)
        except Mismatch:
            layers = []
        if layers and layers[-1].activation in (None, "linear"):
            raise _follows("architecture", builder, f"{message}: from_logits=True fits "
                           "your output layer, which has no softmax", diff=problems)
    raise Mismatch(message, diff=problems)


def _dataset(options, grader_cache: dict[str, Any]) -> tuple[Dataset, bool]:
    """The training data, loaded once per grader process; True when it is the instructor's."""
    path = options.data_path
    key = f"keras-data:{path}"
    if key not in grader_cache:
        grader_cache[key] = load_npz(path, seed=SEED) if path else digits_28x28(SEED)
    return grader_cache[key], path is not None


@pytest.mark.points(3)
@pytest.mark.parametrize("builder", BUILDERS)
def test_learns(
    student, submission_cache, reference, grader_cache, models, options, deadline,
    record_property, builder,
):
    """trained with a fixed seed, the model classifies held-out digits well enough"""
    if not options.train_models:
        pytest.skip("training is turned off for this run")
    expected, got = _expected_and_got(
        student, submission_cache, reference, grader_cache, models, builder
    )
    data = _student_model(student, submission_cache, builder)
    dataset, instructor_data = _dataset(options, grader_cache)
    # A model returned without compile() already loses the compile test; it is
    # trained with the specified settings so that the same slip is not charged twice.
    compile_config = data.compile_config
    if compile_config is None:
        compile_config = expected.compile_config
        record_property("compiled_by_grader", True)
    timeout = None if deadline is None else deadline - time.monotonic()
    outcome = models.train(data.config_json, compile_config, dataset, SEED, EPOCHS, timeout)
    record_property("accuracy", round(outcome.accuracy, 4))
    record_property("memo_hit", outcome.memo_hit)
    case = f"{builder}() trained for {EPOCHS} epochs on {len(dataset.y_train):,} images"
    required = NPZ_THRESHOLD if instructor_data else THRESHOLDS[builder]
    if outcome.error is not None:
        message = f"The model from {builder} could not be trained"
        fields: dict[str, Any] = {"case": case, "got": outcome.error, "hint": outcome.hint}
    elif outcome.accuracy < required:
        message = f"held-out accuracy {outcome.accuracy:.2f}, required {required:.2f}"
        fields = {"case": case, "hint": "Check the output layer (one unit per class with "
                  "softmax) and the loss (sparse categorical cross-entropy for integer labels)."}
    else:
        return
    if _architecture_charged(expected, got):
        raise _follows("architecture", builder, message, **fields)
    if compare_compile(expected.compile, compile_spec(data.compile_config)):
        raise _follows("compile_settings", builder, message, **fields)
    raise Mismatch(message, **fields)


@pytest.mark.points(1)
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_other_arguments(student, submission_cache, reference, grader_cache, models, variant):
    """the builder honours its input_shape, num_classes and hidden_units arguments"""
    builder, args, kwargs = VARIANTS[variant]
    expected = _expected(reference, grader_cache, builder, args, kwargs)
    data = _student_model(student, submission_cache, builder, args, kwargs)
    got = _student_layers(data, models, builder, expected)
    case = describe_call(builder, *args, **kwargs)
    try:
        _check_architecture(builder, case, expected, got)
    except Mismatch as failure:
        default, got_default = _default_layers(
            student, submission_cache, reference, grader_cache, models, builder
        )
        if got_default is None or not _architecture_charged(default, got_default):
            raise
        ignored = ignored_arguments(list(default.layers), list(expected.layers),
                                     got_default, got)
        if ignored:
            failure.diff.insert(0, f"ignored: {', '.join(ignored)}")
            raise
        raise _follows(
            "architecture", builder,
            "the same layer differences appear with other arguments",
            case=case, diff=failure.diff,
        ) from None


def _default_layers(student, submission_cache, reference, grader_cache, models, builder):
    """The reference and the student's layers for ``builder()``; None when there is no model."""
    try:
        return _expected_and_got(student, submission_cache, reference, grader_cache, models,
                                 builder)
    except Exception:
        return _expected(reference, grader_cache, builder), None
