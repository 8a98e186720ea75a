"""Exact derivatives and their meaning at a point: gradient, Hessian, Jacobian, definiteness."""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import NamedTuple

import numpy as np
import sympy as sp

from gradcli.errors import NumericError
from gradcli.symbolic.budget import time_budget
from gradcli.symbolic.printing import plain
from gradcli.symbolic.real_functions import RealSign

DEFINITENESS_TOLERANCE = 1e-10
ROUNDING_CURVATURE = 1e-13  # eigenvalues below this are rounding noise at any scale


def _almost_everywhere(derivative: sp.Expr) -> sp.Expr:
    """Drop point masses (d sign = 2δ) and write steps via sign, which compiles to NumPy."""
    return derivative.replace(sp.DiracDelta, lambda *args: sp.S.Zero).replace(
        sp.Heaviside, lambda arg, *rest: (RealSign(arg) + 1) / 2
    )


def derivative(expr: sp.Expr, variable: sp.Symbol) -> sp.Expr:
    return _almost_everywhere(sp.diff(expr, variable))


def gradient(expr: sp.Expr, variables: Sequence[sp.Symbol]) -> tuple[sp.Expr, ...]:
    with time_budget("differentiating the function"):
        return tuple(derivative(expr, variable) for variable in variables)


def hessian(expr: sp.Expr, variables: Sequence[sp.Symbol]) -> tuple[tuple[sp.Expr, ...], ...]:
    """The symmetric matrix of second derivatives (each computed once)."""
    with time_budget("computing the Hessian"):
        first = [derivative(expr, variable) for variable in variables]
        rows: list[list[sp.Expr]] = [[sp.S.Zero] * len(variables) for _ in variables]
        for i, partial in enumerate(first):
            for j in range(i, len(variables)):
                rows[i][j] = rows[j][i] = derivative(partial, variables[j])
        return tuple(tuple(row) for row in rows)


def jacobian(components: Sequence[sp.Expr], variables: Sequence[sp.Symbol]):
    with time_budget("computing the Jacobian"):
        return tuple(tuple(derivative(c, v) for v in variables) for c in components)


def gradient_hides_domain(expr: sp.Expr) -> bool:
    """True when ∇f is defined where f is not (d log x = 1/x at x < 0; acosh; atanh).

    For every other function gradcli knows, ∇f is undefined wherever f is, so a stepping loop
    needs to check f itself only in these cases.
    """
    return expr.has(sp.log, sp.acosh, sp.atanh)


def exact_point(point: Sequence[Fraction]) -> tuple[sp.Rational, ...]:
    return tuple(sp.Rational(value.numerator, value.denominator) for value in point)


class Value(NamedTuple):
    """A value at a point: exact SymPy form and its float."""

    exact: sp.Expr
    number: float


def value_at(expr: sp.Expr, variables: Sequence[sp.Symbol], point: Sequence[Fraction],
             what: str = "f") -> Value:
    """Evaluate exactly, then as a float; undefined or non-real values are a NumericError."""
    mapping = dict(zip(variables, exact_point(point), strict=True))
    with time_budget(f"evaluating {what}"):
        try:
            exact = expr.xreplace(mapping)
        except ValueError:  # min/max of a value that is not real: "not comparable"
            raise _not_real(what, variables, point) from None
        if exact.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            raise NumericError(f"{what} is undefined at {format_point(variables, point)} "
                               "(a division by zero or a pole there); choose another point.")
        try:
            number = complex(exact.evalf(30))
        except (OverflowError, MemoryError):  # mpmath refuses an exponent beyond any memory
            number = complex(math.inf)
    if abs(number.imag) > 1e-12 * max(1.0, abs(number.real)):
        raise _not_real(what, variables, point)
    if not np.isfinite(number.real):
        raise NumericError(f"{what} is beyond the float range (about 1e308) at "
                           f"{format_point(variables, point)}; choose another point.")
    if not is_small(exact):  # x**1000 at 1.23456789 is a 9,000-digit fraction: keep 17 digits
        return Value(sp.Float(number.real, 17), number.real)
    return Value(sp.re(exact) if exact.has(sp.I) else exact, number.real)


def _not_real(what: str, variables: Sequence[sp.Symbol], point: Sequence) -> NumericError:
    return NumericError(f"{what} is not real at {format_point(variables, point)} (for example "
                        "the log or square root of a negative number); choose a point inside "
                        "the domain.")


EXACT_BITS = 128  # exact values keep integers up to about 38 digits


def is_small(exact: sp.Expr) -> bool:
    """True when every integer in an exact value is short enough to show and compute with."""
    return all(max(abs(int(atom.p)), int(atom.q)).bit_length() <= EXACT_BITS
               for atom in exact.atoms(sp.Rational))


def format_point(variables: Sequence[sp.Symbol], point: Sequence) -> str:
    names = ", ".join(str(v) for v in variables)
    values = ", ".join(f"{float(p):g}" for p in point)
    return f"({names}) = ({values})" if len(variables) > 1 else f"{names} = {values}"


class Curvature(NamedTuple):
    """What the Hessian's eigenvalues say about the surface at a point."""

    eigenvalues: tuple[float, ...]
    definiteness: str
    condition_number: float
    stability_bound: float | None


def _tolerance(eigenvalues: np.ndarray) -> np.ndarray:
    """What counts as zero: relative to the largest |λ|, with a floor at rounding level (a
    Hessian of ±7e-15 evaluated 1e-15 from a flat point is noise), so 1e-11·(x² + y²) has
    positive curvature 2e-11 and a stability bound 1e11, not a 'zero' Hessian."""
    return np.maximum(DEFINITENESS_TOLERANCE * np.max(np.abs(eigenvalues), axis=-1),
                      ROUNDING_CURVATURE)


def definiteness(eigenvalues: np.ndarray) -> np.ndarray:
    """The definiteness of each matrix from its eigenvalues (shape (..., n) -> (...))."""
    tolerance = _tolerance(eigenvalues)[..., None]
    positive = eigenvalues > tolerance
    negative = eigenvalues < -tolerance
    return np.select(
        [positive.all(-1), negative.all(-1), positive.any(-1) & negative.any(-1),
         positive.any(-1), negative.any(-1)],
        ["positive definite", "negative definite", "indefinite", "positive semidefinite",
         "negative semidefinite"],
        "zero",
    )


def eigenvalues_of(matrices: np.ndarray) -> np.ndarray:
    """Ascending eigenvalues of each symmetric matrix in a stack of shape (..., n, n)."""
    matrices = np.asarray(matrices, dtype=float)
    return np.linalg.eigvalsh((matrices + np.swapaxes(matrices, -1, -2)) / 2)


def curvature(matrix: np.ndarray) -> Curvature:
    """Eigenvalues (ascending), definiteness, condition number and the GD bound 2/λmax."""
    eigenvalues = eigenvalues_of(matrix)
    tolerance = float(_tolerance(eigenvalues))
    smallest = float(np.min(np.abs(eigenvalues)))
    largest = float(np.max(np.abs(eigenvalues)))
    condition = largest / smallest if smallest > tolerance else float("inf")
    top = float(eigenvalues[-1])
    bound = 2.0 / top if top > tolerance else None
    return Curvature(tuple(float(v) for v in eigenvalues), str(definiteness(eigenvalues)),
                     condition, bound)


KIND_BY_DEFINITENESS = {
    "positive definite": "minimum",
    "negative definite": "maximum",
    "indefinite": "saddle",
}


def stationary_kind(definiteness: str) -> str:
    """The second-derivative test: minimum, maximum, saddle, or degenerate (inconclusive)."""
    return KIND_BY_DEFINITENESS.get(definiteness, "degenerate")


_WHY_UNDEFINED = {
    sp.log: "the log of a number ≤ 0",
    sp.asin: "asin outside [-1, 1]",
    sp.acos: "acos outside [-1, 1]",
    sp.acosh: "acosh below 1",
    sp.atanh: "atanh outside (-1, 1)",
}


def _why(node: sp.Expr) -> str:
    if node.func in _WHY_UNDEFINED:
        return _WHY_UNDEFINED[node.func]
    if node.is_Pow and node.exp.is_negative:
        return "a division by zero"
    if node.is_Pow and node.exp == sp.S.Half:
        return "the square root of a negative number"
    if node.is_Pow and node.exp.is_Rational and node.exp.q % 2 == 1:
        return "a fractional power of a negative number; cbrt(…) is the real cube root"
    if node.is_Pow:
        return "a fractional power of a negative number"
    if node.func in (sp.tan, sp.sec, sp.cot, sp.csc):
        return "a pole"
    return "it is not a finite real number there"


def undefined_part(expr: sp.Expr, variables: Sequence[sp.Symbol],
                   point: Sequence[float]) -> str | None:
    """Name the innermost subexpression that stops being a finite real number at `point`.

    `log(x) (the log of a number ≤ 0)`, say; None when every part is defined there.
    """
    mapping = {v: sp.Float(p, 17) for v, p in zip(variables, point, strict=True)}
    with time_budget("explaining the domain error"):
        for node in sp.postorder_traversal(expr):
            if node.is_Atom:
                continue
            value = node.xreplace(mapping).evalf(17)
            finite_real = value.is_real is not False and value.is_finite is not False \
                and not value.has(sp.zoo, sp.nan, sp.I)
            if not finite_real:
                return f"{plain(node)} ({_why(node)})"
    return None
