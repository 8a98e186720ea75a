"""Estimates of the constant parts of an expression, taken before SymPy sees them.

SymPy evaluates constants while it builds a tree (`sin(exp(exp(20)))` asks mpmath for e to
astronomical precision, outside any signal's reach), so size and realness are judged here first,
node by node. Rational arithmetic stays exact (a Fraction of bounded size), so a float that has
lost the argument never decides: sin of a 30-digit integer is taken at the precision the
integer needs, and sin of an inexact argument larger than about 1e12 is left unknown. Every
other step is one C call on a double and cannot hang.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from fractions import Fraction
from typing import NamedTuple

import mpmath

LARGEST = 1e300  # constants are limited to about this magnitude
LARGEST_EXACT = Fraction(LARGEST)
EXACT_BITS = 6644  # about 2,000 digits: a larger Fraction (numerator or denominator) is a float
INEXACT_PERIODIC = 2.0**40  # a float argument this large has lost its fractional part to rounding
PERIODIC = {"sin": mpmath.sin, "cos": mpmath.cos, "tan": mpmath.tan}

Value = float | Fraction  # a Fraction is exact; a float carries rounding


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


def _power(base: Value, exponent: Value) -> Value:
    if base == 0 and exponent < 0:
        raise ZeroDivisionError
    integral = exponent == int(exponent)
    if base < 0 and not integral:
        raise ValueError("complex")
    estimate = math.pow(float(base), float(exponent))  # OverflowError before any Fraction
    if isinstance(base, Fraction) and isinstance(exponent, Fraction) and integral and \
            _bits(base) * abs(int(exponent)) <= EXACT_BITS:
        return base ** int(exponent)
    return estimate


def _bits(value: Fraction) -> int:
    return max(abs(value.numerator).bit_length(), value.denominator.bit_length())


def _too_large(value: Value) -> bool:
    """Beyond about 1e300 (or NaN), judged exactly for a Fraction (its float may overflow)."""
    if isinstance(value, Fraction):
        return abs(value) > LARGEST_EXACT
    return math.isnan(value) or abs(value) > LARGEST


def _exact(value: Fraction) -> Value:
    """Keep a Fraction while it is small enough to be cheap; past that, its float."""
    return float(value) if _bits(value) > EXACT_BITS else value


def _arithmetic(operation: Callable[[Value, Value], Value]) -> Callable[[Value, Value], Value]:
    def apply(a: Value, b: Value) -> Value:
        if isinstance(a, Fraction) and isinstance(b, Fraction):
            return _exact(operation(a, b))
        return operation(float(a), float(b))
    return apply


_BINARY: dict[type, Callable[[Value, Value], Value]] = {
    ast.Add: _arithmetic(lambda a, b: a + b), ast.Sub: _arithmetic(lambda a, b: a - b),
    ast.Mult: _arithmetic(lambda a, b: a * b), ast.Div: _arithmetic(lambda a, b: a / b),
    ast.Pow: _power,
}


def _periodic(node: ast.Call, argument: Value) -> float | None:
    """sin, cos or tan, never of a float that has lost the argument: beyond 2**40 the argument
    is taken again at the precision its size needs (exactly, or by mpmath from its text)."""
    name = node.func.id  # type: ignore[attr-defined]
    if abs(argument) < INEXACT_PERIODIC:
        return float(FLOAT_FUNCTIONS[name](float(argument)))
    with mpmath.workprec(int(math.log2(abs(argument))) + 80):
        if isinstance(argument, Fraction):
            precise = mpmath.mpf(argument.numerator) / argument.denominator
        else:
            precise = _precise(node.args[0])
        return None if precise is None else float(PERIODIC[name](precise))


def _real_cbrt(value):
    return mpmath.cbrt(value) if value >= 0 else -mpmath.cbrt(-value)


PRECISE_FUNCTIONS: dict[str, Callable] = {
    "sin": mpmath.sin, "cos": mpmath.cos, "tan": mpmath.tan, "asin": mpmath.asin,
    "acos": mpmath.acos, "atan": mpmath.atan, "atan2": mpmath.atan2, "sinh": mpmath.sinh,
    "cosh": mpmath.cosh, "tanh": mpmath.tanh, "asinh": mpmath.asinh, "acosh": mpmath.acosh,
    "atanh": mpmath.atanh, "exp": mpmath.exp, "log": mpmath.log, "sqrt": mpmath.sqrt,
    "cbrt": _real_cbrt, "abs": mpmath.fabs, "sign": mpmath.sign, "min": min, "max": max,
    "sigmoid": lambda v: 1 / (1 + mpmath.exp(-v)), "relu": lambda v: max(mpmath.mpf(0), v),
    "softplus": lambda v: mpmath.log(1 + mpmath.exp(v)),
}
PRECISE_BINARY: dict[type, Callable] = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b, ast.Pow: lambda a, b: a ** b,
}


def _precise(node: ast.AST):
    """The value of a constant subtree by mpmath at the working precision; None where it is
    not real. Every node was already bounded in size by the float pass, so this is cheap."""
    if isinstance(node, ast.Constant):
        return mpmath.mpf(ast.unparse(node))
    if isinstance(node, ast.Name):
        return {"pi": mpmath.pi, "E": mpmath.e, "e": mpmath.e}[node.id] + 0
    if isinstance(node, ast.UnaryOp):
        inner = _precise(node.operand)
        return None if inner is None else (-inner if isinstance(node.op, ast.USub) else inner)
    if isinstance(node, ast.BinOp):
        left, right = _precise(node.left), _precise(node.right)
        if left is None or right is None:
            return None
        value = PRECISE_BINARY[type(node.op)](left, right)
    else:
        arguments = [_precise(argument) for argument in node.args]  # type: ignore[attr-defined]
        if any(argument is None for argument in arguments):
            return None
        value = PRECISE_FUNCTIONS[node.func.id](*arguments)  # type: ignore[attr-defined]
    return value if isinstance(value, mpmath.mpf) else None


def estimate_constants(tree: ast.expr, variables: frozenset[str] = frozenset()) -> dict[int, Value]:
    """Map id(node) -> value for every constant subtree of a whitelisted AST.

    Raises BadConstant at the first constant larger than about 1e300 or not real. Undefined
    constants (1/0, log(0)) are left out: the builder names them.
    """
    values: dict[int, Value] = {}

    def visit(node: ast.AST) -> Value | None:
        if isinstance(node, ast.Name) and node.id in variables:
            return None
        children = [visit(child) for child in ast.iter_child_nodes(node)]
        value = _value(node, children)
        if value is None:
            return None
        if _too_large(value):
            raise BadConstant(node, "large")
        values[id(node)] = value
        return value

    visit(tree)
    return values


def _value(node: ast.AST, children: list[Value | None]) -> Value | None:
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


def _compute(node: ast.AST, children: list[Value | None]) -> Value | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return Fraction(node.value)
    if isinstance(node, ast.Constant) and type(node.value) is float:
        if not math.isfinite(node.value):
            return None  # the builder names the literal
        literal = ast.unparse(node)
        return Fraction(literal) if len(literal) <= 40 else node.value
    if isinstance(node, ast.Name):
        return FLOAT_CONSTANTS.get(node.id)
    if isinstance(node, ast.UnaryOp) and children[-1] is not None:
        return -children[-1] if isinstance(node.op, ast.USub) else children[-1]
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = children[0], children[-1]
        if left is None or right is None:
            return None
        return _BINARY[type(node.op)](left, right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
            node.func.id in FLOAT_FUNCTIONS and not node.keywords:
        arguments = children[1:]  # the first child is the function's name
        if not arguments or any(argument is None for argument in arguments):
            return None
        if node.func.id in PERIODIC and len(arguments) == 1:
            return _periodic(node, arguments[0])
        return float(FLOAT_FUNCTIONS[node.func.id](*(float(a) for a in arguments)))
    return None
