"""SymPy expressions -> fast numeric functions.

The code is generated from expression trees that the safe parser built (so it is checked text),
after renaming every variable to a positional name: a user's `e` or `select` cannot shadow NumPy.
Common subexpressions are eliminated once, shared by all outputs.

Names in generated code come from disjoint families, so no two can ever collide: variables are
`a0, a1, …` (`positional`), common subexpressions `cse0, cse1, …` (`TEMPORARY`; no other name
starts with it), and every other name is written by hand in `compile`/`fusion`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from fractions import Fraction

import numpy as np
import sympy as sp
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.pycode import PythonCodePrinter

from gradcli import interrupts
from gradcli.errors import InputError
from gradcli.symbolic.budget import time_budget

BatchFunction = Callable[[np.ndarray], np.ndarray]


def positional(exprs: Sequence[sp.Expr], variables: Sequence[sp.Symbol], prefix: str = "a"):
    """Rename the variables to a0, a1, … so generated code never meets a user's name."""
    names = [sp.Symbol(f"{prefix}{index}", real=True) for index in range(len(variables))]
    mapping = dict(zip(variables, names, strict=True))
    return [_folded(sp.sympify(expr).xreplace(mapping)) for expr in exprs], names


def _folded(expr: sp.Expr) -> sp.Expr:
    """Functions of constants as floats correct to the last bit: sin(15834021267053374293671735118)
    needs its argument reduced exactly, which neither math nor NumPy can do with a 94-bit int."""
    folded = expr.replace(lambda e: isinstance(e, sp.Function) and e.is_number and not e.is_Atom,
                          lambda e: sp.Float(e.evalf(20), 17))
    if folded.has(sp.zoo, sp.nan, sp.oo, -sp.oo):  # log(cos(1e-300)) rounds to 0, say
        raise InputError("a constant part of the function rounds to 0 where it divides (or to "
                         "±∞), so the function cannot be computed; simplify its constants.")
    return folded


TEMPORARY = "cse"  # prefix of common-subexpression names; no hand-written name starts with it


def eliminate_common(exprs: Sequence[sp.Expr], thorough: bool = False):
    """CSE with temporaries cse0, cse1, … (a family of names nothing else in generated code uses).

    `thorough` also refactors terms (SymPy's "basic" optimizations): ~15 ms more, worth it only
    for code that runs every step.
    """
    with time_budget("compiling the function"):
        return sp.cse(list(exprs), symbols=sp.numbered_symbols(TEMPORARY),
                      optimizations="basic" if thorough else None)


EXACT_INTEGERS = 2**53  # beyond this a literal is written as the float nearest to it


def _float_literal(value: sp.Rational, infinity: str) -> str:
    """The float nearest to a long exact number (10**600 → inf), the same in every engine:
    an int of 601 digits is neither a NumPy scalar nor a float."""
    try:
        number = float(Fraction(int(value.p), int(value.q)))
    except OverflowError:
        return infinity if value > 0 else f"(-{infinity})"
    return repr(number)


class _NumbersAsFloats:
    """Integers and fractions too long for a float's 53 bits are written as floats."""

    infinity = "math.inf"

    def _print_Integer(self, expr):
        if abs(expr.p) <= EXACT_INTEGERS:
            return super()._print_Integer(expr)
        return _float_literal(expr, self.infinity)

    def _print_Rational(self, expr):
        if abs(expr.p) <= EXACT_INTEGERS and expr.q <= EXACT_INTEGERS:
            return super()._print_Rational(expr)
        return _float_literal(expr, self.infinity)


class _NumPyPrinter(_NumbersAsFloats, NumPyPrinter):
    infinity = "numpy.inf"


def numpy_printer() -> NumPyPrinter:
    return _NumPyPrinter({"fully_qualified_modules": True, "allow_unknown_functions": False})


class _ScalarPrinter(_NumbersAsFloats, PythonCodePrinter):
    """Scalar Python with `math`; small powers of a name become products (x*x beats x**2)."""

    def _print_Pow(self, expr, rational=False):
        if expr.base.is_Symbol and expr.exp in (2, 3):
            return "(" + "*".join([self._print(expr.base)] * int(expr.exp)) + ")"
        if not expr.exp.is_integer and expr.exp != sp.S.Half:
            # Python's ** makes (-1)**(1/3) a complex number; math.pow raises ValueError, which
            # the loop reports as a domain error, as NumPy's nan is in a batch.
            return f"math.pow({self._print(expr.base)}, {self._print(expr.exp)})"
        return super()._print_Pow(expr, rational=rational)


def python_printer() -> PythonCodePrinter:
    """A printer for scalar Python code using the `math` module."""
    return _ScalarPrinter({"fully_qualified_modules": True, "allow_unknown_functions": False})


def build(source: str, name: str) -> Callable:
    """Execute generated (never user-written) source and return the function it defines."""
    namespace: dict = {"numpy": np, "math": math, "functools": functools,
                       "interrupted": interrupts.flag}
    exec(compile(source, f"<gradcli:{name}>", "exec"), namespace)  # noqa: S102 - generated code
    return namespace[name]


def compile_batch(exprs: Sequence[sp.Expr], variables: Sequence[sp.Symbol]) -> BatchFunction:
    """Return F with F(X) of shape (B, len(exprs)) for X of shape (B, n), all float64."""
    renamed, names = positional(exprs, variables)
    temporaries, reduced = eliminate_common(renamed)
    printer = numpy_printer()
    lines = ["def batch(X):"]
    lines += [f"    {name} = X[:, {index}]" for index, name in enumerate(names)]
    lines += [f"    {symbol} = {printer.doprint(value)}" for symbol, value in temporaries]
    lines.append(f"    out = numpy.empty((X.shape[0], {len(reduced)}), order='F')")
    lines += [f"    out[:, {i}] = {printer.doprint(expr)}" for i, expr in enumerate(reduced)]
    lines.append("    return out")
    return build("\n".join(lines), "batch")


def evaluate(function: BatchFunction, X: np.ndarray) -> np.ndarray:
    """Call a compiled function on float64 input with every floating-point warning silenced."""
    with np.errstate(all="ignore"):
        return function(np.asarray(X, dtype=np.float64))
