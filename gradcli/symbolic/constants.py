"""Float estimates of the constant parts of an expression, taken before SymPy sees them.

SymPy evaluates constants while it builds a tree (`sin(exp(exp(20)))` asks mpmath for e to
astronomical precision, outside any signal's reach), so size and realness are judged here first,
node by node, with plain floats: every step is one C call on a double and cannot hang.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from typing import NamedTuple

LARGEST = 1e300  # constants are limited to about this magnitude


def _log(value: float, base: float | None = None) -> float:
    return math.log(value) if base is None else math.log(value) / math.log(base)


def _sign(value: float) -> float:
    return float((value > 0) - (value < 0))


def _softplus(value: float) -> float:
    return math.log(1 + math.exp(value))  # the formula gradcli writes, so exp(1e300) is refused


def _sigmoid(value: float) -> float:
    return 1 / (1 + math.exp(-value))  # likewise: sigmoid(-1e3) holds exp(1000)


FLOAT_FUNCTIONS: dict[str, Callable[..., float]] = {
    "sin": math.sin, "cos": math.cos, "tan": math.tan, "asin": math.asin, "acos": math.acos,
    "atan": math.atan, "atan2": math.atan2, "sinh": math.sinh, "cosh": math.cosh,
    "tanh": math.tanh, "asinh": math.asinh, "acosh": math.acosh, "atanh": math.atanh,
    "exp": math.exp, "log": _log, "sqrt": math.sqrt, "cbrt": math.cbrt, "abs": abs,
    "sign": _sign, "min": min, "max": max, "sigmoid": _sigmoid,
    "relu": lambda value: max(0.0, value), "softplus": _softplus,
}
FLOAT_CONSTANTS = {"pi": math.pi, "E": math.e, "e": math.e}


class BadConstant(Exception):
    """A constant part that is too large or not a real number."""

    def __init__(self, node: ast.AST, reason: str):
        super().__init__(reason)
        self.node = node
        self.reason = reason  # "large" or "complex"


class Estimate(NamedTuple):
    value: float | None  # None: not a constant, or undefined (left for SymPy to name)


def _power(base: float, exponent: float) -> float:
    if base == 0 and exponent < 0:
        raise ZeroDivisionError
    if base < 0 and not exponent.is_integer():
        raise ValueError("complex")
    return math.pow(base, exponent)


_BINARY: dict[type, Callable[[float, float], float]] = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b, ast.Pow: _power,
}


def estimate_constants(tree: ast.expr) -> dict[int, float]:
    """Map id(node) -> float value for every constant subtree of a whitelisted AST.

    Raises BadConstant at the first constant larger than about 1e300 or not real. Undefined
    constants (1/0, log(0)) are left out: the builder names them.
    """
    values: dict[int, float] = {}

    def visit(node: ast.AST) -> float | None:
        children = [visit(child) for child in ast.iter_child_nodes(node)]
        value = _value(node, children)
        if value is None:
            return None
        if math.isnan(value) or abs(value) > LARGEST:
            raise BadConstant(node, "large")
        values[id(node)] = value
        return value

    visit(tree)
    return values


def _value(node: ast.AST, children: list[float | None]) -> float | None:
    try:
        return _compute(node, children)
    except OverflowError:
        raise BadConstant(node, "large") from None
    except (ZeroDivisionError, TypeError):
        return None  # 1/0, or a wrong number of arguments: the builder names either
    except ValueError:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                node.func.id == "log" and 0.0 in children:
            return None  # log(0) is a pole, not a complex number
        raise BadConstant(node, "complex") from None


def _compute(node: ast.AST, children: list[float | None]) -> float | None:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        value = float(node.value)
        return value if math.isfinite(value) else None  # the builder names the literal
    if isinstance(node, ast.Name):
        return FLOAT_CONSTANTS.get(node.id)
    if isinstance(node, ast.UnaryOp) and children[-1] is not None:
        return -children[-1] if isinstance(node.op, ast.USub) else children[-1]
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = children[0], children[-1]
        if left is None or right is None:
            return None
        return float(_BINARY[type(node.op)](left, right))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
            node.func.id in FLOAT_FUNCTIONS and not node.keywords:
        arguments = children[1:]  # the first child is the function's name
        if not arguments or any(argument is None for argument in arguments):
            return None
        return float(FLOAT_FUNCTIONS[node.func.id](*arguments))
    return None
