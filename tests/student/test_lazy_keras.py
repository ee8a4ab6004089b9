"""The stand-in that makes ``import keras`` in a notebook wait for its first use."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from autograder.student.lazy_keras import LazyModule, install, loaded


@pytest.fixture
def package(tmp_path, monkeypatch):
    """A small importable package, removed from sys.modules afterwards."""
    root = tmp_path / "lazypkg"
    (root / "sub").mkdir(parents=True)
    (root / "__init__.py").write_text("VALUE = 3\n")
    (root / "sub" / "__init__.py").write_text("NAME = 'sub'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "lazypkg"
    for name in [n for n in sys.modules if n.split(".")[0] == "lazypkg"]:
        del sys.modules[name]


def test_import_binds_the_stand_in_without_running_the_package(package):
    """After install, `import` returns the stand-in and the package has not run."""
    assert install(package)
    module = __import__(package)
    assert isinstance(module, LazyModule) and not loaded(package)
    assert importlib.util.find_spec(package) is not None  # still answers, still unloaded
    assert not loaded(package)


def test_first_attribute_loads_the_real_package(package):
    """Reading an attribute loads the package; the stand-in then forwards to it."""
    install(package)
    module = __import__(package)
    assert module.VALUE == 3 and loaded(package)
    assert sys.modules[package] is not module


def test_submodule_imports_load_the_parent_first(package):
    """`import pkg.sub` and `from pkg import sub` work through the stand-in."""
    install(package)
    sub = importlib.import_module(f"{package}.sub")
    assert sub.NAME == "sub" and loaded(package)


def test_install_leaves_imported_or_missing_packages_alone(package):
    """Nothing is installed over an imported package or for one that does not exist."""
    importlib.import_module(package)
    assert not install(package)
    assert not install("no_such_package_here")
