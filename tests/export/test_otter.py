"""The otter-grader export: an otter-assign master notebook built from the reference."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace

import nbformat
import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from otter.assign.solutions import replace_solutions

from autograder.cli import main
from autograder.course.paths import course
from autograder.export.otter import (
    MASTER_NAME,
    build_otter_master,
    case_source,
    local_kernel_env,
    solution_source,
    split_points,
)
from autograder.export.otter_cases import Case

# convgrade's weight of each exercise; the otter questions must carry the same.
WEIGHTS = {"convolution": 25, "pooling": 15, "shapes": 15, "params": 15, "model": 30}
OTTER = Path(sys.executable).with_name("otter")


@pytest.fixture(scope="module")
def master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_otter_master(course(), tmp_path_factory.mktemp("otter"))


def _cells(path: Path) -> list[nbformat.NotebookNode]:
    return nbformat.read(path, as_version=4).cells


def _source(cell: nbformat.NotebookNode) -> str:
    return cell.source if isinstance(cell.source, str) else "".join(cell.source)


def _questions(path: Path) -> dict[str, dict]:
    """Each question's config, solution code and test cells, read from the notebook."""
    questions: dict[str, dict] = {}
    current: dict | None = None
    block = None
    for cell in _cells(path):
        text = _source(cell)
        if cell.cell_type == "raw" and text.startswith("# BEGIN QUESTION"):
            config = yaml.safe_load(text.split("\n", 1)[1])
            current = questions[config["name"]] = {"config": config, "solution": [], "tests": []}
        elif cell.cell_type == "raw" and text.startswith("# BEGIN "):
            block = text.split()[2].lower()
        elif cell.cell_type == "raw" and text.startswith("# END "):
            block = None
        elif cell.cell_type == "code" and current is not None and block == "solution":
            current["solution"].append(text)
        elif cell.cell_type == "code" and current is not None and block == "tests":
            current["tests"].append(text)
    return questions


def _run_test_cell(namespace: dict, source: str) -> None:
    lines = source.split("\n")
    if lines[0].startswith("# HIDDEN"):
        lines = lines[1:]
    exec("\n".join(lines), dict(namespace))


def test_master_notebook_is_valid_and_starts_with_the_config(master: Path):
    """The file validates as nbformat 4 and opens with an offline assignment config."""
    notebook = nbformat.read(master, as_version=4)
    nbformat.validate(notebook)
    assert master.name == MASTER_NAME
    first = notebook.cells[0]
    assert first.cell_type == "raw" and _source(first).startswith("# ASSIGNMENT CONFIG")
    config = yaml.safe_load(_source(first))
    assert config["run_tests"] is False and config["solutions_pdf"] is False
    assert config["export_cell"] is False and config["generate"] is True


def test_build_is_deterministic(master: Path, tmp_path: Path):
    """Building twice gives byte-identical notebooks, cell ids included."""
    again = build_otter_master(course(), tmp_path / "again")
    assert again.read_bytes() == master.read_bytes()


def test_one_question_per_reference_module_with_convgrade_weights(master: Path):
    """Every exercise whose reference exists is a question worth its convgrade points."""
    present = [name for name in WEIGHTS if (course().reference / f"{name}.py").is_file()]
    questions = _questions(master)
    assert list(questions) == present
    for name, question in questions.items():
        points = question["config"]["points"]
        assert sum(points) == WEIGHTS[name]
        assert len(points) == len(question["tests"])


def test_each_question_has_public_and_hidden_tests(master: Path):
    """At least two public test cells and two hidden ones per question."""
    for name, question in _questions(master).items():
        hidden = [t for t in question["tests"] if t.startswith("# HIDDEN")]
        public = [t for t in question["tests"] if not t.startswith("# HIDDEN")]
        assert len(public) >= 2 and len(hidden) >= 2, name


def test_test_cells_never_import_the_reference(master: Path):
    """Expected values are literals: no test cell imports anything."""
    for question in _questions(master).values():
        for test in question["tests"]:
            assert "import" not in test


def test_solutions_pass_and_stubs_fail_every_test(master: Path):
    """Run in one namespace, the solutions pass every test; otter's stubs fail every one."""
    questions = _questions(master)
    solved: dict = {}
    stubbed: dict = {}
    for question in questions.values():
        for code in question["solution"]:
            exec(code, solved)
            exec("\n".join(replace_solutions(code.split("\n"), "python")), stubbed)
    for question in questions.values():
        for test in question["tests"]:
            _run_test_cell(solved, test)
            with pytest.raises(Exception):  # noqa: B017 - any failure scores zero
                _run_test_cell(stubbed, test)


def test_solution_source_trims_the_module_and_hides_helpers(tmp_path: Path):
    """Docstring, __future__ and sibling imports go; a stubbed helper region leaves nothing."""
    module = tmp_path / "demo.py"
    module.write_text(
        '"""Module docstring."""\n\nfrom __future__ import annotations\n\n'
        "import math\nfrom shapes import flatten_size\n\n\n"
        "# BEGIN SOLUTION\ndef _helper():\n    return 2\n# END SOLUTION\n\n\n"
        'def area(r):\n    """Area of a circle."""\n    # BEGIN SOLUTION\n'
        "    return math.pi * r ** _helper()\n    # END SOLUTION\n",
        encoding="utf-8",
    )
    source = solution_source(module)
    assert "docstring" not in source and "__future__" not in source and "shapes" not in source
    namespace: dict = {}
    exec(source, namespace)
    assert namespace["area"](1.0) == pytest.approx(np.pi)
    stub = "\n".join(replace_solutions(source.split("\n"), "python"))
    assert stub == 'import math\n\n\ndef area(r):\n    """Area of a circle."""\n    ...'


def test_solution_source_rejects_a_stray_solution_word(tmp_path: Path):
    """A line otter would strip as a one-line solution is refused."""
    module = tmp_path / "demo.py"
    module.write_text("x = 1  # SOLUTION\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"demo\.py:1"):
        solution_source(module)


def test_raises_case_must_raise_on_the_reference():
    """A ValueError case whose reference does not raise stops the export."""
    reference = ModuleType("fake")
    reference.f = lambda x: x
    with pytest.raises(ValueError, match="does not raise"):
        case_source(Case("f(1)", "raises"), reference)


def test_model_case_checks_layers_params_and_optimizer():
    """A model test passes for a model like the reference's and fails for a smaller one."""

    def fake_model(kinds: list[str], params: int) -> SimpleNamespace:
        layers = [type(kind, (), {})() for kind in kinds]
        return SimpleNamespace(layers=layers, count_params=lambda: params,
                               optimizer=type("Adam", (), {})())

    reference = ModuleType("fake")
    reference.build = lambda: fake_model(["InputLayer", "Flatten", "Dense"], 7850)
    code = case_source(Case("build()", "model", hidden=True), reference)
    _run_test_cell({"build": lambda: fake_model(["Flatten", "Dense"], 7850)}, code)
    with pytest.raises(AssertionError):
        _run_test_cell({"build": lambda: fake_model(["Flatten", "Dense"], 7840)}, code)


def test_split_points_adds_up_and_is_even():
    """Points split into whole numbers that sum to the total and differ by at most one."""
    for total, count in ((25, 7), (15, 6), (30, 5), (15, 8)):
        points = split_points(total, count)
        assert len(points) == count and sum(points) == total
        assert max(points) - min(points) <= 1


def test_cli_export_otter_writes_the_master(tmp_path: Path):
    """`convgrade export otter OUT` exits 0 and writes the master notebook."""
    result = CliRunner().invoke(main, ["export", "otter", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / MASTER_NAME).is_file()


def _otter(args: list[str], env: dict[str, str], cwd: Path) -> None:
    done = subprocess.run([str(OTTER), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def _otter_scores(zip_path: Path, notebook: Path, out: Path, env: dict[str, str]) -> dict:
    out.mkdir()
    _otter(["run", "--no-logo", "-a", str(zip_path), "-o", str(out), str(notebook)],
           env, out)
    tests = json.loads((out / "results.json").read_text())["tests"]
    return {t["name"]: (t["score"], t["max_score"]) for t in tests if "score" in t}


@pytest.mark.slow
def test_otter_assign_and_run_give_full_and_zero_scores(master: Path, tmp_path: Path):
    """Real `otter assign` hides solutions and hidden tests; `otter run` gives full and zero."""
    assert importlib.util.find_spec("ipykernel") is not None, (
        "otter run executes notebooks in a Jupyter kernel: ipykernel must be installed"
    )
    env = local_kernel_env(tmp_path / "jupyter")
    dist = tmp_path / "dist"
    _otter(["assign", str(master), str(dist)], env, tmp_path)
    (zip_path,) = (dist / "autograder").glob("*-autograder_*.zip")
    questions = _questions(master)
    weights = {name: q["config"]["points"] for name, q in questions.items()}

    student = nbformat.read(dist / "student" / MASTER_NAME, as_version=4)
    assert "SOLUTION" not in "".join(_source(cell) for cell in student.cells)
    for name, test in student.metadata["otter"]["tests"].items():
        cases = test["suites"][0]["cases"]
        public = [t for t in questions[name]["tests"] if not t.startswith("# HIDDEN")]
        assert len(cases) == len(public) and not any(case["hidden"] for case in cases)

    full = _otter_scores(zip_path, dist / "autograder" / MASTER_NAME, tmp_path / "full", env)
    assert full == {name: (sum(p), sum(p)) for name, p in weights.items()}

    zero = _otter_scores(zip_path, dist / "student" / MASTER_NAME, tmp_path / "zero", env)
    assert zero == {name: (0, sum(p)) for name, p in weights.items()}
