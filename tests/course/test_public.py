"""The public self-check tests and the runner that runs them without a pytest session."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from grading_helpers import ModuleProxy, make_mutant, reference_modules

from autograder.course.table import course_table
from autograder.grading.plugin import GraderState, GradingOptions, run_graders
from autograder.sandbox.proxy import StudentRaised
from autograder.student.check import public_tests
from autograder.student.runner import function_of, public_cases, run_cases, run_public

NUMPY = [e.name for e in course_table().exercises if not e.keras]


class Stub:
    def call(self, module, function, *args, **kwargs):
        raise StudentRaised("NotImplementedError", f"{function} is not implemented yet")


@pytest.fixture(scope="module")
def reference():
    return reference_modules()


def _failures(outcomes):
    return [(o.id, o.output) for o in outcomes if o.status != "passed"]


def test_public_tests_pass_on_the_reference(reference):
    """Every public NumPy check passes for the reference solutions."""
    outcomes = run_public(ModuleProxy(reference), NUMPY)
    assert outcomes and not _failures(outcomes), _failures(outcomes)
    assert {o.exercise for o in outcomes} == set(NUMPY)


def test_stubs_are_not_started_and_each_function_is_called_once():
    """An unstarted function fails every case as not started, after one call only."""
    calls = []

    class Counting(Stub):
        def call(self, module, function, *args, **kwargs):
            calls.append(function)
            return super().call(module, function, *args, **kwargs)

    outcomes = run_public(Counting(), NUMPY)
    assert all(o.status == "failed" and o.details.get("not_started") for o in outcomes)
    assert sorted(calls) == sorted({o.details["function"] for o in outcomes})


def test_runner_agrees_with_a_pytest_session(reference):
    """The runner finds the same cases, ids and verdicts as pytest does on the same files."""
    flipped = make_mutant(reference, "convolution", "conv_single_step",
                          lambda a, W, b: float(np.sum(a * W[::-1, ::-1]) + np.sum(b)))
    state = GraderState(reference={}, options=GradingOptions(train_models=False))
    session, errors = run_graders(ModuleProxy(flipped), "self-check", state,
                                  public_tests(include_model=False))
    direct = run_public(ModuleProxy(flipped), NUMPY)
    assert errors == []
    assert [(o.id, o.status, o.tags) for o in direct] == [
        (o.id, o.status, o.tags) for o in session]


def test_every_public_test_names_one_function_and_every_function_has_one():
    """Each public test checks a function of its exercise; no function goes unchecked."""
    cases = public_cases(course_table().names)
    assert {c.function for c in cases} == set(course_table().all_functions)
    assert function_of("test_conv_output_size_rejects_stride_0", "shapes") == "conv_output_size"
    assert function_of("test_conv_output_shape", "shapes") == "conv_output_shape"
    assert function_of("test_something_else", "shapes") is None


@pytest.mark.parametrize(
    ("function", "mistake", "code"),
    [
        ("conv_single_step", lambda a, W, b: float(np.sum(a * W[::-1, ::-1]) + np.sum(b)),
         "kernel-flipped"),
        ("conv_single_step", lambda a, W, b: float(np.sum(a * W)), "missing-bias"),
        ("apply_filter", lambda image, kernel: np.array(
            [[np.sum(image[i:i + kernel.shape[0], j:j + kernel.shape[1]] * kernel[::-1, ::-1])
              for j in range(image.shape[1] - kernel.shape[1] + 1)]
             for i in range(image.shape[0] - kernel.shape[0] + 1)]), "kernel-flipped"),
    ],
    ids=["flipped-step", "step-without-bias", "flipped-filter"],
)
def test_public_tests_catch_what_all_ones_data_hid(reference, function, mistake, code):
    """A flipped kernel or a missing bias fails publicly, with its misconception named."""
    proxy = ModuleProxy(make_mutant(reference, "convolution", function, mistake))
    outcomes = run_public(proxy, ["convolution"])
    failed = [o for o in outcomes if o.status == "failed"]
    assert failed and {o.details["function"] for o in failed} == {function}
    assert any(f"misconception:{code}" in o.tags for o in failed)


def test_an_integer_result_fails_publicly(reference):
    """Casting the output to int (right on whole numbers) fails on the non-integer cases."""
    truncated = make_mutant(
        reference, "pooling", "pool_forward",
        lambda *a, **k: reference["pooling"].pool_forward(*a, **k).astype(int))
    outcomes = run_public(ModuleProxy(truncated), ["pooling"])
    assert [o.id for o in outcomes if o.status == "failed"] == [
        "pooling.pool_forward_max_2x2", "pooling.pool_forward_average_2x2",
        "pooling.pool_forward_max_same_padding",
        "pooling.pool_forward_average_same_padding_non_square"]


def test_parametrized_cases_carry_pytest_ids():
    """Parametrized public tests become one case each, with pytest's case ids."""
    ids = [c.id for c in public_cases(["convolution"]) if c.function == "conv_single_step"]
    assert ids == ["convolution.conv_single_step_asymmetric[scalar-b]",
                   "convolution.conv_single_step_asymmetric[b-1x1x1]"]


def test_public_tests_do_not_use_the_reference():
    """The public tests never touch the reference (students do not have it)."""
    for path in public_tests(include_model=True):
        assert "reference" not in path.read_text(), path.name


def test_a_grader_bug_is_not_blamed_on_the_student(reference):
    """A case that breaks in the test itself says the check could not run, not 'wrong'."""
    case = public_cases(["params"])[0]
    broken = type(case)(case.exercise, case.function, lambda student: 1 / 0)
    (outcome,) = run_cases(ModuleProxy(reference), [broken])
    assert outcome.status == "failed" and "could not check" in outcome.output


@pytest.fixture(scope="module")
def models():
    return reference_modules(("model",))


def test_model_checks_pass_on_the_reference(models):
    """The three builders of the reference pass the public model checks."""
    outcomes = run_public(ModuleProxy(models), ["model"])
    assert len(outcomes) == 3 and not _failures(outcomes), _failures(outcomes)


def test_a_missing_softmax_fails_publicly_with_the_layer_table(models):
    """A dense baseline without softmax fails, naming the activation, with a layer table."""
    import keras

    def no_softmax(input_shape=(28, 28, 1), hidden_units=128, num_classes=10):
        model = keras.Sequential([keras.Input(shape=input_shape), keras.layers.Flatten(),
                                  keras.layers.Dense(hidden_units, activation="relu"),
                                  keras.layers.Dense(num_classes)])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        return model

    proxy = ModuleProxy(make_mutant(models, "model", "build_dense_baseline", no_softmax))
    outcomes = run_public(proxy, ["model"])
    (failed,) = [o for o in outcomes if o.status == "failed"]
    assert failed.details["function"] == "build_dense_baseline"
    assert "activation should be 'softmax'" in failed.output
    rows = failed.details["layers"]
    assert [row[1] == row[2] for row in rows] == [True, True, False]


def test_an_uncompiled_model_fails_publicly(models):
    """A model returned without compile() fails its public check and says to compile it."""
    def uncompiled(input_shape=(28, 28, 1), num_classes=10):
        model = models["model"].build_mnist_cnn(input_shape, num_classes)
        return type(model).from_config(model.get_config())

    proxy = ModuleProxy(make_mutant(models, "model", "build_mnist_cnn", uncompiled))
    failed = [o for o in run_public(proxy, ["model"]) if o.status == "failed"]
    assert [o.details["function"] for o in failed] == ["build_mnist_cnn"]
    assert "not compiled" in failed[0].output


def test_cases_for_a_function_or_an_exercise():
    """A function name selects its cases; an exercise name all of them; a typo a suggestion."""
    from autograder.student.runner import cases_for

    assert {c.function for c in cases_for("flatten_size")} == {"flatten_size"}
    assert {c.exercise for c in cases_for("pooling")} == {"pooling"}
    with pytest.raises(ValueError, match="did you mean 'flatten_size'"):
        cases_for("flaten_size")


def test_convgrade_check_only_one_function(tmp_path):
    """`convgrade check --only NAME` runs that function's cases and shows only its exercise."""
    from click.testing import CliRunner

    from autograder.cli import main
    from autograder.course.paths import course
    from autograder.student.check import run_check

    shutil.copy(course().reference / "shapes.py", tmp_path / "shapes.py")
    report = run_check(tmp_path, only="flatten_size")
    assert [row.exercise for row in report.rows] == ["shapes"]
    assert {o.details["function"] for o in report.rows[0].outcomes} == {"flatten_size"}
    typo = CliRunner().invoke(main, ["check", str(tmp_path), "--only", "flaten_size"])
    assert typo.exit_code == 2 and "flatten_size" in typo.output


def test_a_function_calling_an_unstarted_helper_is_not_itself_unstarted(reference):
    """conv_forward calling a stub conv_single_step fails, naming it; it is not 'not started'."""
    def stub(a_slice, W, b):
        raise NotImplementedError("conv_single_step is not implemented yet")

    def conv_forward(A_prev, W, b, stride=1, padding="valid"):
        return stub(A_prev, W, b)

    proxy = ModuleProxy(make_mutant(reference, "convolution", "conv_forward", conv_forward))
    outcomes = [o for o in run_public(proxy, ["convolution"]) if o.status == "failed"]
    assert outcomes and {o.details["function"] for o in outcomes} == {"conv_forward"}
    assert not any(o.details.get("not_started") for o in outcomes)
    assert "conv_single_step is not implemented yet" in outcomes[0].output
