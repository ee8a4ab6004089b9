"""The source rule shared by ``check``, ``submit`` and ``grade``: where each function comes from.

A student may work in the ``.py`` files, in the assignment notebook, in the
per-exercise notebooks, or in a mix of them, and submit the whole bundle.
Per exercise function, an implemented definition wins over an untouched stub
(a body that only raises ``NotImplementedError``) wherever it is. When two
places implement a function differently, the first in this order is graded
and a warning names both: the ``.py`` file, the exercise's own notebook, then
other notebooks by name.

When every function of a module comes from one place, the module is that
place's code. When they come from several, each place becomes a helper module
of its own (so helpers and constants of one place never replace another's)
and the module imports each function from where it was implemented.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from autograder.load.dropped import Dropped
from autograder.quiz.answers import is_blank

# An untouched stub; "missing" means not defined at all.
IMPLEMENTED, STUB, MISSING = "implemented", "stub", "missing"
HELPER_PREFIX = "_convgrade_"


@dataclass(eq=False)  # compared by identity: two places are never the same place
class Candidate:
    """One place that may supply exercise modules: a ``.py`` file or a notebook."""

    place: str  # as the student knows it: "convolution.py", "notebooks/assignment.ipynb"
    modules: tuple[str, ...]
    source: str
    dropped: list[Dropped] = field(default_factory=list)
    # function name -> (IMPLEMENTED or STUB, code dump); read from ``source``
    functions: dict[str, tuple[str, str]] = field(init=False)
    unreadable: bool = field(init=False)  # ``source`` does not parse

    def __post_init__(self) -> None:
        states = function_states(self.source)
        # Code that does not parse is work all the same: never "no work found".
        self.unreadable = states is None
        self.functions = states or {}


@dataclass
class Resolved:
    """The module files to grade and where each exercise function comes from."""

    files: dict[str, str] = field(default_factory=dict)
    # module -> function -> place it is graded from ("" when nowhere)
    graded_from: dict[str, dict[str, str]] = field(default_factory=dict)
    offered_by: dict[str, list[str]] = field(default_factory=dict)  # module -> places
    dropped: list[Dropped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    implemented: bool = False
    unfinished: list[str] = field(default_factory=list)  # graded from an untouched stub


def function_states(text: str) -> dict[str, tuple[str, str]] | None:
    """Top-level function name -> (IMPLEMENTED or STUB, a dump of its code for comparison).

    None when ``text`` does not parse.
    """
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    found: dict[str, tuple[str, str]] = {}
    statements = list(tree.body)
    # A notebook's definitions may be guarded by try/except; look inside.
    statements += [s for t in tree.body if isinstance(t, ast.Try) for s in t.body]
    for stmt in statements:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            body = _code_of(stmt.body)
            state = STUB if _is_stub(body) else IMPLEMENTED
            try:
                dump = ast.dump(ast.Module(body=body, type_ignores=[])) + ast.dump(stmt.args)
            except RecursionError:
                dump = str(id(stmt))
            found[stmt.name] = (state, dump)
    return found


def _code_of(body: list[ast.stmt]) -> list[ast.stmt]:
    """A function body without its docstring, ``pass`` and ``...``."""
    return [
        s for s in body
        if not isinstance(s, ast.Pass)
        and not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
    ]


def _is_stub(body: list[ast.stmt]) -> bool:
    if not body:
        return True
    if len(body) != 1 or not isinstance(body[0], ast.Raise) or body[0].exc is None:
        return False
    exc = body[0].exc.func if isinstance(body[0].exc, ast.Call) else body[0].exc
    return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"


def resolve(
    candidates: Sequence[Candidate], expected: Mapping[str, Sequence[str]]
) -> Resolved:
    """Choose, per expected function, the place it is graded from, and build the modules.

    ``candidates`` come in priority order (see the module docstring).
    """
    resolved = Resolved()
    used: dict[str, Candidate] = {}
    for module, functions in expected.items():
        offering = [c for c in candidates if module in c.modules]
        if not offering:
            continue
        resolved.implemented |= any(c.unreadable for c in offering)
        chosen: dict[str, Candidate | None] = {}
        lacking: list[str] = []
        for function in functions:
            winner = _winner(function, offering, resolved.warnings)
            chosen[function] = winner
            if winner is None:
                lacking.append(function)
            elif winner.functions[function][0] == IMPLEMENTED:
                resolved.implemented = True
            else:
                resolved.unfinished.append(function)
        resolved.graded_from[module] = {f: c.place if c else "" for f, c in chosen.items()}
        resolved.offered_by[module] = [c.place for c in offering]
        if lacking:
            places = " or ".join(c.place for c in offering)
            resolved.warnings.append(
                f"{places} does not define {', '.join(lacking)}; those tests count as missing"
            )
        sources = list(dict.fromkeys(c for c in chosen.values() if c is not None)) or offering[:1]
        used.update((c.place, c) for c in sources)
        resolved.files.update(_module_files(module, chosen, sources))
    for candidate in used.values():
        resolved.dropped += candidate.dropped
    return resolved


def _module_files(
    module: str, chosen: Mapping[str, Candidate | None], sources: Sequence[Candidate]
) -> dict[str, str]:
    """The files that make up ``module``: one place's code, or a shim over helper modules."""
    if len(sources) == 1:
        return {f"{module}.py": sources[0].source}
    files: dict[str, str] = {}
    lines = [f'"""{module}: each function is taken from where it was implemented."""']
    for index, source in enumerate(sources, start=1):
        # Named after the place, so a traceback tells the student where the code came from.
        slug = re.sub(r"\W", "_", source.place.rsplit("/", 1)[-1])
        helper = f"{HELPER_PREFIX}{module}_{index}_{slug}"
        files[f"{helper}.py"] = source.source
        names = ", ".join(f for f, c in chosen.items() if c is source)
        lines += [f"try:  # from {source.place}", f"    from {helper} import {names}",
                  "except Exception:", "    pass"]
    files[f"{module}.py"] = "\n".join(lines) + "\n"
    return files


def _winner(function: str, offering: Sequence[Candidate], warnings: list[str]) -> Candidate | None:
    implemented = [c for c in offering if c.functions.get(function, (MISSING,))[0] == IMPLEMENTED]
    if implemented:
        first = implemented[0]
        differing = [c.place for c in implemented[1:]
                     if c.functions[function][1] != first.functions[function][1]]
        if differing:
            warnings.append(
                f"{function} is implemented differently in {first.place} and "
                f"{', '.join(differing)}; {first.place} is graded. Delete or stub the copy "
                "you do not want graded"
            )
        return first
    stubs = [c for c in offering if function in c.functions]
    return stubs[0] if stubs else None


def merge_answers(
    sources: Sequence[tuple[str, Mapping[str, object]]], warnings: list[str]
) -> dict[str, object]:
    """Quiz answers per question: the first place (in order) that answered it wins."""
    merged: dict[str, object] = {}
    given_by: dict[str, str] = {}
    for place, answers in sources:
        for qid, value in answers.items():
            if qid not in merged or (is_blank(merged[qid]) and not is_blank(value)):
                merged[qid] = value
                given_by[qid] = place
            elif not is_blank(value) and value != merged[qid]:
                warnings.append(
                    f"quiz answer {qid} differs in {given_by[qid]} and {place}; "
                    f"the one in {given_by[qid]} is graded"
                )
    return merged


def graded_from_lines(
    graded_from: Mapping[str, Mapping[str, str]], unfinished: Sequence[str] = ()
) -> list[str]:
    """One line per exercise saying which file each function is graded from."""
    lines = []
    for module, functions in graded_from.items():
        by_place: dict[str, list[str]] = {}
        for function, place in functions.items():
            where = place or "nowhere (missing)"
            if place and function in unfinished:
                where += " (not started)"
            by_place.setdefault(where, []).append(function)
        parts = [f"{', '.join(names)} from {place}" for place, names in by_place.items()]
        lines.append(f"{module}: " + "; ".join(parts))
    return lines
