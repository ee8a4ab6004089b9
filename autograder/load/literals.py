"""Literal values a student wrote (quiz answers), evaluated in the grader with bounds.

Nothing is looked up or called. Arithmetic on numbers is allowed, because
students write ``28 * 28 * 3`` for a count, and every step is size-checked so
that no answer can make the grader compute or allocate without bound.
"""

from __future__ import annotations

import ast

# No answer is bigger than this; anything larger is refused before it is computed.
_MAX_INT_BITS = 256
_MAX_EXPONENT = 256
_MAX_DEPTH = 50
_ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)


def literal_value(node: ast.expr, depth: int = 0) -> object:
    """The value of a literal, with bounded arithmetic on numbers (``28 * 28 * 3``).

    Evaluated in the grader, so nothing is looked up or called and every step
    is size-checked.

    Raises:
        ValueError: ``node`` is not such a literal, or is too large or too deep.
    """
    if depth > _MAX_DEPTH:
        raise ValueError("it is nested too deeply")
    deeper = depth + 1
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        items = [literal_value(e, deeper) for e in node.elts]
        if isinstance(node, ast.Set):
            try:
                return set(items)
            except TypeError as exc:
                raise ValueError("a set holds an unhashable value") from exc
        return tuple(items) if isinstance(node, ast.Tuple) else items
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise ValueError("it unpacks another dict")
        pairs = [(literal_value(k, deeper), literal_value(v, deeper))
                 for k, v in zip(node.keys, node.values, strict=True)]
        try:
            return dict(pairs)
        except TypeError as exc:
            raise ValueError("a key is unhashable") from exc
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _number(literal_value(node.operand, deeper))
        return -value if isinstance(node.op, ast.USub) else +value
    if isinstance(node, ast.BinOp) and isinstance(node.op, _ARITHMETIC):
        left = _number(literal_value(node.left, deeper))
        right = _number(literal_value(node.right, deeper))
        return _arithmetic(node.op, left, right)
    raise ValueError("it is not a literal value")


def _number(value: object) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("arithmetic is allowed on numbers only")
    return value


def _arithmetic(op: ast.operator, left: int | float, right: int | float) -> int | float:
    if isinstance(op, ast.Pow) and (abs(right) > _MAX_EXPONENT or abs(left) > 2**_MAX_INT_BITS):
        raise ValueError("the number is too large")
    try:
        value = {
            ast.Add: lambda: left + right,
            ast.Sub: lambda: left - right,
            ast.Mult: lambda: left * right,
            ast.Div: lambda: left / right,
            ast.FloorDiv: lambda: left // right,
            ast.Mod: lambda: left % right,
            ast.Pow: lambda: left**right,
        }[type(op)]()
    except (ArithmeticError, TypeError) as exc:
        raise ValueError(f"the arithmetic fails ({exc})") from exc
    too_big = isinstance(value, int) and value.bit_length() > _MAX_INT_BITS
    if isinstance(value, complex) or too_big:
        raise ValueError("the number is too large")
    return value
