"""The child's allow-list: what is bound into its root, and what is never bound."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.sandbox import rootfs


@pytest.fixture
def layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A course checkout with its package, another checkout and a library folder."""
    paths = {
        "course": tmp_path / "course",
        "package": tmp_path / "course" / "autograder",
        "other": tmp_path / "other-checkout",
        "library": tmp_path / "venv" / "site-packages",
    }
    for path in paths.values():
        path.mkdir(parents=True, exist_ok=True)
    (paths["course"] / "reference").mkdir()
    (paths["other"] / "quizzes").mkdir()
    (paths["library"] / "numpy").mkdir()
    entries = (paths["course"], paths["other"], paths["library"],
               paths["library"] / "numpy", Path("/tmp"), Path("/proc/self"))
    monkeypatch.setattr(rootfs, "import_roots", lambda: tuple(str(p) for p in entries))
    return paths


def _plan(layout: dict[str, Path]) -> rootfs.RootPlan:
    return rootfs.plan_root("/tmp/sources", ("/secret",), 8, 61000,
                            layout["course"], layout["package"])


def test_course_checkouts_are_left_out_but_the_package_is_bound(layout):
    """Import folders holding a course are not bound; the package is, its graders hidden."""
    plan = _plan(layout)
    assert str(layout["package"]) in plan.binds and str(layout["library"]) in plan.binds
    assert str(layout["course"]) not in plan.binds and str(layout["other"]) not in plan.binds
    assert plan.hidden == ("/secret", str(layout["package"] / "graders"))


def test_nested_folders_are_bound_once(layout):
    """A folder inside an allowed folder is not bound a second time."""
    assert str(layout["library"] / "numpy") not in _plan(layout).binds


def test_scratch_dev_and_proc_are_never_bound_over(layout):
    """An import folder at /tmp, in /dev or /proc, or above them, is refused."""
    binds = _plan(layout).binds
    assert not [b for b in binds if b in ("/", "/tmp") or b.startswith(("/proc", "/dev"))]


def test_system_libraries_keep_their_links(layout):
    """/lib and friends, where they are links, come back as the same links."""
    plan = _plan(layout)
    for path in ("/lib", "/lib64", "/bin"):
        if Path(path).is_symlink():
            assert (path, str(Path(path).readlink())) in plan.links
            assert str(Path(path).resolve()) in plan.binds
