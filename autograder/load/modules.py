"""Load a folder of sibling modules (a submission or the reference) as one group."""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType


@dataclass
class ModuleGroup:
    """Modules loaded from one folder, and a message for each that failed to load."""

    modules: dict[str, ModuleType] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def load_module_group(directory: Path, names: tuple[str, ...]) -> ModuleGroup:
    """Import ``names`` from ``directory`` so that they can import each other.

    The bare names are only in ``sys.modules`` while loading; afterwards the
    caller holds the module objects and nothing else in the process can
    import them by accident. A module that is missing or fails to import is
    recorded in ``errors`` and does not stop the others.
    """
    group = ModuleGroup()
    saved = {name: sys.modules.pop(name) for name in names if name in sys.modules}
    folder = str(directory)
    sys.path.insert(0, folder)
    importlib.invalidate_caches()
    try:
        for name in names:
            if not (directory / f"{name}.py").is_file():
                group.errors[name] = f"{name}.py is missing"
                continue
            try:
                group.modules[name] = importlib.import_module(name)
            except BaseException as exc:
                group.errors[name] = _describe_import_error(name, exc)
    finally:
        sys.path.remove(folder)
        for name in names:
            sys.modules.pop(name, None)
        # Helper modules a submission's modules import from (see source_rule) go too,
        # so the next submission loaded in this process never finds a stale one.
        for name in [n for n, m in sys.modules.items() if _inside(m, folder)]:
            sys.modules.pop(name, None)
        sys.modules.update(saved)
    return group


def _inside(module: ModuleType | None, folder: str) -> bool:
    # Imported through the sys.path entry ``folder``, so its file name starts with it.
    origin = getattr(module, "__file__", None)
    return isinstance(origin, str) and os.path.dirname(origin) == folder


def _describe_import_error(name: str, exc: BaseException) -> str:
    if isinstance(exc, SyntaxError):
        return f"{name}.py has a syntax error on line {exc.lineno}: {exc.msg}"
    last = traceback.format_exception_only(type(exc), exc)[-1].strip()
    return f"importing {name}.py failed: {last}"
