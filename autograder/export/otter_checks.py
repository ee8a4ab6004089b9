"""The test cells of the otter export: one renderer per kind of check.

A renderer gets the call under test and a way to compute its value on the
reference, and writes the assertions with the expected value as a literal.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

from autograder.export.otter_cases import Case

# Tolerance of array and float comparisons in the test cells.
_ATOL = 1e-6


def case_source(case: Case, reference: ModuleType) -> str:
    """The code of one otter test cell, its expected value taken from ``reference``.

    The student's value is converted to plain numbers before it is compared,
    so an object that claims to equal anything does not pass.
    """
    namespace: dict[str, Any] = {**vars(reference), "np": np}
    setup = "\n".join(case.setup)
    exec(setup, namespace)
    render = _RENDERERS[case.check]
    lines = ["# HIDDEN"] if case.hidden else []
    lines += [*case.setup, *render(case.call, lambda: eval(case.call, namespace))]
    return "\n".join(lines)


def _array(call: str, value: Callable[[], Any]) -> list[str]:
    expected = np.round(np.asarray(value(), dtype=np.float64), 10).tolist()
    return [
        f"got = np.asarray({call}, dtype=float)",
        f"expected = np.array({expected!r})",
        "assert got.shape == expected.shape, f'shape {got.shape}, expected {expected.shape}'",
        f"assert np.allclose(got, expected, atol={_ATOL}), 'values differ'",
    ]


def _float(call: str, value: Callable[[], Any]) -> list[str]:
    expected = round(float(value()), 10)
    return [f"got = float({call})", f"assert abs(got - {expected!r}) <= {_ATOL}, got"]


def _int(call: str, value: Callable[[], Any]) -> list[str]:
    expected = int(value())
    return [
        f"got = {call}",
        "assert isinstance(got, (int, np.integer)) and not isinstance(got, bool), type(got)",
        f"assert int(got) == {expected}, got",
    ]


def _tuple(call: str, value: Callable[[], Any]) -> list[str]:
    expected = tuple(int(v) for v in value())
    return [
        f"got = {call}",
        f"assert isinstance(got, tuple) and len(got) == {len(expected)}, got",
        f"assert tuple(int(v) for v in got) == {expected!r}, got",
    ]


def _rows(call: str, value: Callable[[], Any]) -> list[str]:
    expected = [(tuple(int(d) for d in shape), int(params)) for shape, params in value()]
    return [
        f"got = [(tuple(int(d) for d in shape), int(params)) for shape, params in {call}]",
        f"assert got == {expected!r}, got",
    ]


def _raises(call: str, value: Callable[[], Any]) -> list[str]:
    try:
        value()
    except ValueError:
        pass
    else:
        raise ValueError(f"the reference does not raise ValueError for {call}")
    return [
        "try:",
        f"    {call}",
        "except ValueError:",
        "    raised = True",
        "else:",
        "    raised = False",
        "assert raised, 'expected a ValueError'",
    ]


def _model(call: str, value: Callable[[], Any]) -> list[str]:
    model = value()
    kinds = _layer_kinds(model)
    optimizer = type(model.optimizer).__name__
    return [
        f"model = {call}",
        "kinds = [type(layer).__name__ for layer in model.layers]",
        f"assert [k for k in kinds if k != 'InputLayer'] == {kinds!r}, kinds",
        f"assert int(model.count_params()) == {int(model.count_params())}, model.count_params()",
        f"assert type(model.optimizer).__name__ == {optimizer!r}, 'compile with {optimizer}'",
    ]


def _defined(call: str, value: Callable[[], Any]) -> list[str]:
    if not callable(value()):
        raise ValueError(f"the reference defines no function {call}")
    return [f"assert callable({call}), 'define {call}'"]


def _layer_kinds(model: Any) -> list[str]:
    # A functional model lists its InputLayer and a Sequential one does not;
    # either way of building the model is fine.
    return [k for k in (type(layer).__name__ for layer in model.layers) if k != "InputLayer"]


_RENDERERS: dict[str, Callable[[str, Callable[[], Any]], list[str]]] = {
    "array": _array,
    "float": _float,
    "int": _int,
    "tuple": _tuple,
    "rows": _rows,
    "raises": _raises,
    "model": _model,
    "defined": _defined,
}
