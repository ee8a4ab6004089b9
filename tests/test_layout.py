"""The folders show the pipeline: tests mirror the package, and the README names real folders."""

from __future__ import annotations

import re
from pathlib import Path

import autograder

PACKAGE = Path(autograder.__file__).parent
ROOT = PACKAGE.parent
TESTS = Path(__file__).parent
README = ROOT / "README.md"
# Course material (hidden graders, public tests) and page templates: they are exercised
# through the stages that use them, not by a test folder of their own.
NOT_MIRRORED = {"graders", "public", "templates"}


def subpackages() -> list[str]:
    """The names of the package's direct subpackages."""
    return sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py"))


def readme_section(title: str) -> str:
    """The text of the README section headed ``## title``, up to the next such heading."""
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else None]


def has_a_test(folder: Path) -> bool:
    return any(re.search(r"^def test_|^    def test_", path.read_text(encoding="utf-8"), re.M)
               for path in folder.glob("test_*.py"))


def test_every_stage_has_a_mirrored_test_folder():
    """Each subpackage of autograder has tests/<name>/ holding at least one test."""
    stages = [name for name in subpackages() if name not in NOT_MIRRORED]
    assert {"load", "sandbox", "grading", "quiz", "reporting"} <= set(stages)
    missing = [name for name in stages if not (TESTS / name).is_dir()]
    empty = [name for name in stages if (TESTS / name).is_dir() and not has_a_test(TESTS / name)]
    assert missing == [] and empty == [], f"no tests/<name>/ for {missing}; no test in {empty}"


def test_grading_steps_name_folders_that_exist():
    """Every step of "How a submission is graded" names a folder, and every path it names exists."""
    section = readme_section("How a submission is graded")
    intro = re.search(r"`(autograder/[^`]+)` lists the steps", section)
    assert intro and (ROOT / intro.group(1)).is_file(), "the module listing the steps is missing"
    steps = re.findall(r"^\d+\. \*\*(\w[^*]*)\*\* \(([^)]*)\)", section, re.M)
    assert len(steps) >= 6, steps
    for name, where in steps:
        paths = re.findall(r"`([^`]+)`", where)
        assert any(p.endswith("/") for p in paths), f"step {name!r} names no folder"
        absent = [p for p in paths if not (PACKAGE / p).exists()]
        assert absent == [], f"step {name!r} names paths that do not exist: {absent}"


def test_code_layout_lists_every_subpackage():
    """The README's code tree lists exactly the package's folders, each of which exists."""
    section = readme_section("Code layout")
    tree = section.split("```text\n", 1)[1].split("```", 1)[0]
    listed = re.findall(r"^  ([\w/]+/) ", tree, re.M)
    absent = [folder for folder in listed if not (PACKAGE / folder).is_dir()]
    assert absent == [], f"the code tree lists folders that do not exist: {absent}"
    unlisted = set(subpackages()) - {folder.split("/")[0] for folder in listed}
    assert unlisted == set(), f"the code tree leaves out {sorted(unlisted)}"
