"""What the derivatives say at one point: the records behind `grad`, `hessian` and `jacobian`."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import NamedTuple

import numpy as np
import sympy as sp

from gradcli.engine.compile import evaluate
from gradcli.engine.problem import Problem
from gradcli.errors import InputError
from gradcli.symbolic import calculus
from gradcli.symbolic.budget import time_budget
from gradcli.symbolic.calculus import Curvature, Value, value_at


class Directional(NamedTuple):
    """D_u f = ∇f·u with u = U/‖U‖."""

    given: tuple[Fraction, ...]  # as typed: 1e-3000 is not a float
    unit: tuple[float, ...]
    derivative: Value


class GradientAtPoint(NamedTuple):
    point: tuple[Fraction, ...]
    value: Value
    gradient: tuple[Value, ...]
    norm: Value
    ascent: tuple[float, ...] | None  # ∇f/‖∇f‖, None where ∇f = 0
    directional: Directional | None
    check_error: float | None  # largest |FD − ∇f| relative to ‖∇f‖∞


def gradient_at(problem: Problem, point: Sequence[Fraction], direction: Sequence[Fraction] | None,
                check: bool) -> GradientAtPoint:
    variables = problem.variables
    value = value_at(problem.function, variables, point)
    components = tuple(value_at(g, variables, point, f"∂f/∂{v}")
                       for g, v in zip(problem.gradient, variables, strict=True))
    with time_budget("computing the norm"):
        # Exact for rational components (‖(2, 4)‖ = 2·√5); otherwise 30 digits: SymPy would
        # multiply out powers such as 1931**(1931/2500) into integers of millions of digits.
        exact = all(c.exact.is_Rational for c in components)
        norm_exact = sp.sqrt(sum(((c.exact if exact else c.exact.evalf(30))**2
                                  for c in components), sp.S.Zero))
    norm = Value(norm_exact, float(np.hypot.reduce([c.number for c in components])))
    ascent = tuple(c.number / norm.number for c in components) if norm.number > 0 else None
    return GradientAtPoint(
        tuple(point), value, components, norm, ascent,
        _directional(components, direction) if direction is not None else None,
        _check(problem, point, components) if check else None,
    )


def _directional(components: Sequence[Value], direction: Sequence[Fraction]) -> Directional:
    exact = calculus.exact_point(direction)
    length_squared = sum((u**2 for u in exact), sp.S.Zero)
    if length_squared == 0:
        raise InputError("--dir is the zero vector; give a direction such as --dir 1,0.")
    with time_budget("computing the directional derivative"):
        dot = sum((c.exact * u for c, u in zip(components, exact, strict=True)), sp.S.Zero)
        length = sp.sqrt(length_squared)
        derivative = dot / length
        unit = tuple(float((u / length).evalf(30)) for u in exact)  # exact: 1e-3000 is not 0
    return Directional(tuple(direction), unit,
                       Value(derivative, float(derivative.evalf(30))))


def finite_difference_gradient(problem: Problem, point: np.ndarray) -> np.ndarray:
    """Central differences with a step scaled to each coordinate (≈ cube root of ε)."""
    n = point.size
    steps = 6e-6 * np.maximum(1.0, np.abs(point))
    shifted = np.repeat(point[None, :], 2 * n, axis=0)
    shifted[np.arange(n), np.arange(n)] += steps
    shifted[n + np.arange(n), np.arange(n)] -= steps
    values = evaluate(problem.value_and_gradient, shifted)[:, 0]
    return (values[:n] - values[n:]) / (2 * steps)


def _check(problem: Problem, point: Sequence[Fraction], components: Sequence[Value]) -> float:
    exact = np.array([c.number for c in components])
    estimate = finite_difference_gradient(problem, np.array([float(p) for p in point]))
    scale = max(float(np.max(np.abs(exact))), 1e-12)
    return float(np.max(np.abs(estimate - exact)) / scale)


class HessianAtPoint(NamedTuple):
    point: tuple[Fraction, ...]
    matrix: tuple[tuple[Value, ...], ...]
    curvature: Curvature


def hessian_at(problem: Problem, point: Sequence[Fraction]) -> HessianAtPoint:
    variables = problem.variables
    matrix = tuple(tuple(value_at(entry, variables, point, "the Hessian") for entry in row)
                   for row in problem.hessian)
    numbers = np.array([[entry.number for entry in row] for row in matrix])
    return HessianAtPoint(tuple(point), matrix, calculus.curvature(numbers))


class JacobianAtPoint(NamedTuple):
    point: tuple[Fraction, ...]
    values: tuple[Value, ...]
    matrix: tuple[tuple[Value, ...], ...]


def jacobian_at(components: Sequence[sp.Expr], matrix: Sequence[Sequence[sp.Expr]],
                variables: Sequence[sp.Symbol], point: Sequence[Fraction]) -> JacobianAtPoint:
    values = tuple(value_at(c, variables, point, f"f{i + 1}") for i, c in enumerate(components))
    entries = tuple(tuple(value_at(e, variables, point, "the Jacobian") for e in row)
                    for row in matrix)
    return JacobianAtPoint(tuple(point), values, entries)
