"""Taylor models of f at a point, and how good they are: exact arithmetic, then floats.

f(P + h) ≈ f(P) + ∇f(P)·h            (first order: the error shrinks like ‖h‖²)
         + ½ hᵀ H(P) h                (second order: the error shrinks like ‖h‖³)

Points and steps are exact decimals, so f(P + h) and both models are evaluated exactly (or to 30
digits where f is transcendental) before the difference is taken: the errors printed are the
models' errors, not floating-point cancellation.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import NamedTuple

import sympy as sp

from gradcli.engine.problem import Problem
from gradcli.symbolic.budget import time_budget
from gradcli.symbolic.calculus import exact_point, value_at


class Model(NamedTuple):
    displacement: tuple[sp.Symbol, ...]  # dx, dy, …
    value: sp.Expr
    gradient: tuple[sp.Expr, ...]
    hessian: tuple[tuple[sp.Expr, ...], ...]
    linear: sp.Expr  # in the displacement symbols
    quadratic: sp.Expr


class StepCheck(NamedTuple):
    h: tuple[float, ...]
    norm: float
    true: float  # f(P + h)
    linear: float
    linear_error: float  # |f(P + h) − linear model|
    quadratic: float
    quadratic_error: float
    linear_ratio: float  # |error|/‖h‖², exact before rounding (‖h‖² may underflow as a float)
    quadratic_ratio: float  # |error|/‖h‖³


def model(problem: Problem, point: Sequence[Fraction]) -> Model:
    variables = problem.variables
    displacement = tuple(sp.Symbol(f"d{v}", real=True) for v in variables)
    value = value_at(problem.function, variables, point).exact
    gradient = tuple(value_at(g, variables, point, f"∂f/∂{v}").exact
                     for g, v in zip(problem.gradient, variables, strict=True))
    hessian = tuple(tuple(value_at(entry, variables, point, "the Hessian").exact for entry in row)
                    for row in problem.hessian)
    with time_budget("building the Taylor models"):
        linear = value + sum((g * d for g, d in zip(gradient, displacement, strict=True)),
                             sp.S.Zero)
        curvature = sum((hessian[i][j] * displacement[i] * displacement[j]
                         for i in range(len(variables)) for j in range(len(variables))),
                        sp.S.Zero)
        quadratic = sp.expand(linear + curvature / 2)
    return Model(displacement, value, gradient, hessian, linear, quadratic)


def check(problem: Problem, taylor: Model, point: Sequence[Fraction],
          step: Sequence[Fraction]) -> StepCheck:
    """Both models against the true f(P + h), exactly."""
    moved = [p + h for p, h in zip(point, step, strict=True)]
    true = value_at(problem.function, problem.variables, moved, "f(P + h)").exact
    mapping = dict(zip(taylor.displacement, exact_point(step), strict=True))
    with time_budget("evaluating the Taylor models"):
        linear = taylor.linear.xreplace(mapping)
        quadratic = taylor.quadratic.xreplace(mapping)
        squared = sum((h**2 for h in exact_point(step)), sp.S.Zero)
        errors = (sp.Abs(true - linear), sp.Abs(true - quadratic))
        numbers = [float(sp.N(e, 30)) for e in (true, linear, errors[0], quadratic, errors[1],
                                                   errors[0] / squared,
                                                   errors[1] / squared**sp.Rational(3, 2))]
    return StepCheck(tuple(float(h) for h in step), float(sp.sqrt(squared)), *numbers)
