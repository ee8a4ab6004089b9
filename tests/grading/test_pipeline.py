"""End-to-end tests of the grading engine: load, sandbox, hidden graders, quiz, result."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sample_submissions import (
    mistaken_submission,
    reference_submission,
    stub_submission,
)

from autograder.authoring.examples import MISTAKES, SAMPLES, build_sample
from autograder.authoring.release import build_release
from autograder.course.paths import course
from autograder.grading.pipeline import grade_submission
from autograder.grading.worker import GraderWorker
from autograder.load.submission import NO_WORK
from autograder.settings import Settings

# Every test grades in the sandbox; the reference test also checks the isolation is full.
pytestmark = pytest.mark.needs_root


@pytest.fixture(scope="module")
def worker() -> Iterator[GraderWorker]:
    with GraderWorker(Settings()) as warm:
        yield warm


def _ids(result) -> dict[str, float]:
    return {t.name: t.score for t in result.tests}


@pytest.mark.needs_namespaces
@pytest.mark.parametrize("form", ["directory", "zip", "notebook"])
def test_reference_scores_full_marks_in_every_form(worker, tmp_path: Path, form: str):
    """The reference earns every point as a folder, a zip and a notebook."""
    result = grade_submission(reference_submission(tmp_path, "ref", form), worker)
    failed = [(t.name, t.output) for t in result.tests if t.status != "passed"]
    assert failed == [] and result.errors == []
    assert result.score == result.max_score > 100
    assert result.isolation == "full"


def test_stubs_score_zero(worker, tmp_path: Path):
    """The untouched stubs and an empty quiz earn nothing, and say why."""
    result = grade_submission(stub_submission(tmp_path), worker)
    assert result.score == 0 and result.max_score > 100
    assert any("NotImplementedError" in t.output for t in result.tests)
    assert {q.status for q in result.quiz} == {"missing"}
    assert result.no_work and NO_WORK in result.errors
    assert result.to_gradescope_dict()["no_work"] is True


def test_max_score_is_the_same_for_every_submission(worker, tmp_path: Path):
    """A broken or partial submission is graded against the same total."""
    full = grade_submission(reference_submission(tmp_path, "a"), worker)
    stubs = grade_submission(stub_submission(tmp_path, "b"), worker)
    assert full.max_score == stubs.max_score


def test_mistakes_lose_only_their_own_points_and_are_diagnosed(worker, tmp_path: Path):
    """A flipped kernel costs convolution points, tagged, and nothing else."""
    result = grade_submission(mistaken_submission(tmp_path, "flip", "kernel-flipped"), worker)
    scores = result.exercise_scores()
    for exercise in ("pooling", "shapes", "params", "model", "quiz"):
        assert scores[exercise]["score"] == scores[exercise]["max_score"], exercise
    assert scores["convolution"]["score"] < scores["convolution"]["max_score"]
    tags = {tag for t in result.tests for tag in t.tags}
    assert "misconception:kernel-flipped" in tags


@pytest.mark.parametrize("mistake", [m for m in MISTAKES if m != "hostile"])
def test_every_sample_mistake_costs_points_in_its_own_exercise(worker, tmp_path: Path, mistake):
    """Each typical mistake of the demo samples really loses points where it was made."""
    module, _ = MISTAKES[mistake]
    result = grade_submission(mistaken_submission(tmp_path, mistake, mistake), worker)
    scores = result.exercise_scores()
    assert scores[module]["score"] < scores[module]["max_score"], result.errors
    assert scores["quiz"]["score"] == scores["quiz"]["max_score"]
    assert result.errors == []


def test_grading_is_deterministic_per_submission_id(worker, tmp_path: Path):
    """The same submission graded twice gets the same outcomes."""
    path = mistaken_submission(tmp_path, "same", "missing-bias", "off-by-one")
    first = grade_submission(path, worker)
    second = grade_submission(path, worker)
    assert [(t.name, t.score, t.output) for t in first.tests] == [
        (t.name, t.score, t.output) for t in second.tests
    ]


def test_hostile_submission_cannot_read_reference_forge_or_hang(worker, tmp_path: Path):
    """Reading the reference, forging results, hanging and exiting earn nothing extra."""
    sample = next(s for s in SAMPLES if s.id == "mallory")
    result = grade_submission(build_sample(sample, tmp_path), worker)
    convolution = result.exercise_scores()["convolution"]
    assert convolution["score"] == 0
    assert result.exercise_scores()["pooling"]["score"] > 0  # the rest is still graded
    outputs = " ".join(t.output for t in result.tests if t.exercise == "convolution")
    assert "NotImplementedError" in outputs or "crash" in outputs.lower()
    assert not (tmp_path / "results.json").exists()


def test_notebook_in_the_bundle_scores_like_the_py_files(worker, tmp_path: Path):
    """Only the assignment notebook filled, whole bundle submitted: the same score as .py files."""
    files = grade_submission(reference_submission(tmp_path, "files"), worker)
    bundle = tmp_path / "nbonly"
    build_release(course(), bundle)
    filled = reference_submission(tmp_path / "nb", "nb", "notebook")
    (bundle / "notebooks" / "assignment.ipynb").write_bytes(filled.read_bytes())
    (bundle / "answers.toml").unlink()  # the notebook holds the answers
    notebook = grade_submission(bundle, worker)
    assert notebook.errors == [] and not notebook.no_work
    assert (notebook.score, notebook.max_score) == (files.score, files.max_score)


def test_leftover_fit_in_model_py_costs_nothing(worker, tmp_path: Path):
    """A model.fit left at the bottom of model.py does not run and loses no points."""
    path = reference_submission(tmp_path, "fit")
    with (path / "model.py").open("a", encoding="utf-8") as handle:
        handle.write("\nmodel = build_mnist_cnn()\nmodel.fit(x_train, y_train, epochs=5)\n")
    result = grade_submission(path, worker)
    model = result.exercise_scores()["model"]
    assert model["score"] == model["max_score"] and result.errors == []


def test_name_from_a_dropped_statement_is_explained(worker, tmp_path: Path):
    """A function using a variable set by a dropped call is told where that line is."""
    path = reference_submission(tmp_path, "dropped")
    with (path / "shapes.py").open("a", encoding="utf-8") as handle:
        handle.write(
            "\nEXTRA = ord('a')\n\ndef flatten_size(shape):\n    return EXTRA * 0 + 1\n"
        )
    result = grade_submission(path, worker)
    failures = [t.output for t in result.tests if t.status != "passed" and t.exercise == "shapes"]
    assert failures and all("`EXTRA` is assigned at shapes.py:" in f for f in failures)
