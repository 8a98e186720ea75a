"""The first steps of a method worked out by hand: every number substituted, exactly.

The material computes gradient descent on paper — ∇f = (2x, 2y) = (2, 4) at (1, 2), then
x₁ = (1, 2) − 0.1·(2, 4) = (0.8, 1.6). This module does the same with SymPy's exact arithmetic:
the typed start and rate are exact decimals, so every value stays an exact fraction until a square
root makes it irrational; from then on it is carried to 30 digits and shown as a decimal.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import NamedTuple

import numpy as np
import sympy as sp

from gradcli.engine.newton import ARMIJO, MAX_HALVINGS, POSITIVE, SHIFT, SHRINK
from gradcli.engine.plan import Plan
from gradcli.engine.problem import Problem
from gradcli.errors import NumericError
from gradcli.symbolic.budget import time_budget
from gradcli.symbolic.calculus import is_small

MAX_EXPLAINED = 20
SHORT_FRACTION = 10**6  # fractions with longer numerators or denominators are shown as decimals
Vector = tuple[sp.Expr, ...]


class Line(NamedTuple):
    """One line of working: what is computed, the formula with numbers in, and the result."""

    name: str
    substituted: str
    value: Vector | sp.Expr


class Step(NamedTuple):
    k: int  # the step taken: x_{k−1} → x_k
    point: Vector  # x_{k−1}
    gradient: Vector
    lines: tuple[Line, ...]  # the method's state and update, in order
    new_point: Vector
    f: sp.Expr  # f(x_k)


class Explanation(NamedTuple):
    method: str
    formula: str
    rate: sp.Expr
    variables: tuple[sp.Symbol, ...]
    gradient: Vector  # ∇f as formulas
    steps: tuple[Step, ...]
    general: str | None  # x_k in closed form, where there is one (gd on f with H = λI)


def exact(value: float | Fraction | str) -> sp.Expr:
    """A typed number as the exact decimal it names (0.1 is 1/10, not the float nearest it)."""
    if isinstance(value, Fraction):
        return sp.Rational(value.numerator, value.denominator)
    return sp.Rational(repr(value) if isinstance(value, float) else value)


def _carried(value: sp.Expr) -> sp.Expr:
    """Exact while it is a short fraction; otherwise 30 significant digits."""
    value = sp.nsimplify(value) if value.is_Float else value
    if value.is_Rational and is_small(value):
        return value
    return sp.Float(value.evalf(30), 30)


def _terminating(p: int, q: int) -> str | None:
    """p/q as an exact decimal, when q has no prime factors but 2 and 5."""
    rest, places = q, 0
    while rest % 10 == 0:
        rest //= 10
        places += 1
    while rest % 2 == 0 or rest % 5 == 0:
        rest //= 2 if rest % 2 == 0 else 5
        places += 1
    if rest != 1:
        return None
    digits = str(abs(p) * 10**places // q).rjust(places + 1, "0")
    whole, fraction = digits[:len(digits) - places], digits[len(digits) - places:]
    text = whole + ("." + fraction.rstrip("0") if fraction.rstrip("0") else "")
    return ("-" if p < 0 else "") + text


def show(value: sp.Expr) -> str:
    """A number as a person writes it: 0.8 and 8/5 exactly, 0.7071067812 when irrational."""
    if value.is_Rational and (value == 0 or abs(value) >= sp.Rational(1, 10**4)):
        text = _terminating(int(value.p), int(value.q))
        if text is not None and len(text.replace("-", "").replace(".", "").lstrip("0")) <= 15:
            return text
        if abs(value.p) < SHORT_FRACTION and value.q < SHORT_FRACTION:
            return f"{value.p}/{value.q}"
    return f"{float(value):.10g}"


def show_vector(values: Sequence[sp.Expr]) -> str:
    return "(" + ", ".join(show(v) for v in values) + ")" if len(values) > 1 else show(values[0])


def _at(expressions: Sequence[sp.Expr], variables, point: Vector) -> Vector:
    mapping = dict(zip(variables, point, strict=True))
    values = tuple(_carried(e.xreplace(mapping)) for e in expressions)
    if any(v.has(sp.zoo, sp.nan, sp.oo, -sp.oo, sp.I) for v in values):
        raise NumericError("--explain: f or ∇f is undefined at "
                           f"{show_vector(point)}; choose another start.")
    return values


def explain(problem: Problem, plan: Plan, start: Sequence[Fraction], lr: str | float,
            count: int) -> Explanation:
    """The first `count` steps of `plan` from `start`, exactly (count ≤ MAX_EXPLAINED)."""
    variables = problem.variables
    rate = exact(lr)
    params = {name: exact(value) for name, value in plan.params.items()}
    x: Vector = tuple(exact(value) for value in start)
    state: dict[str, Vector] = {name: (sp.S.Zero,) * len(x) for name in plan.rule.state}
    steps = []
    with time_budget("explaining the first steps"):
        for k in range(1, count + 1):
            g = _at(problem.gradient, variables, x)
            lines, new = _update(plan, problem, x, g, state, params, rate, k)
            f = _at((problem.function,), variables, new)[0]
            steps.append(Step(k, x, g, tuple(lines), new, f))
            x = new
    return Explanation(plan.rule.name, plan.rule.formula, rate, tuple(variables),
                       problem.gradient, tuple(steps),
                       _closed_form(problem, plan, rate, steps[0].point))


def _update(plan: Plan, problem: Problem, x: Vector, g: Vector, state: dict[str, Vector],
            params: dict[str, sp.Expr], rate: sp.Expr, t: int) -> tuple[list[Line], Vector]:
    name = plan.rule.name
    lines: list[Line] = []

    def keep(label: str, text: str, value: Vector) -> Vector:
        value = tuple(_carried(v) for v in value)
        lines.append(Line(label, text, value))
        return value

    v_ = show_vector
    if name == "gd":
        new = tuple(a - rate * b for a, b in zip(x, g, strict=True))
        return lines, keep("x", f"{v_(x)} − {show(rate)}·{v_(g)}", new)
    if name in ("momentum", "nesterov"):
        beta = params["momentum"]
        v = keep("v", f"{show(beta)}·{v_(state['v'])} + {v_(g)}",
                 tuple(beta * a + b for a, b in zip(state["v"], g, strict=True)))
        state["v"] = v
        if name == "momentum":
            return lines, keep("x", f"{v_(x)} − {show(rate)}·{v_(v)}",
                               tuple(a - rate * b for a, b in zip(x, v, strict=True)))
        return lines, keep("x", f"{v_(x)} − {show(rate)}·({v_(g)} + {show(beta)}·{v_(v)})",
                           tuple(a - rate * (b + beta * c) for a, b, c in zip(x, g, v,
                                                                             strict=True)))
    if name in ("adagrad", "rmsprop"):
        eps = params["eps"]
        if name == "adagrad":
            s = keep("s", f"{v_(state['s'])} + {v_(g)}²",
                     tuple(a + b**2 for a, b in zip(state["s"], g, strict=True)))
        else:
            rho = params["decay"]
            s = keep("s", f"{show(rho)}·{v_(state['s'])} + {show(1 - rho)}·{v_(g)}²",
                     tuple(rho * a + (1 - rho) * b**2 for a, b in zip(state["s"], g,
                                                                      strict=True)))
        state["s"] = s
        return lines, keep("x", f"{v_(x)} − {show(rate)}·{v_(g)}/(√{v_(s)} + {show(eps)})",
                           tuple(a - rate * b / (sp.sqrt(c) + eps)
                                 for a, b, c in zip(x, g, s, strict=True)))
    if name == "adam":
        b1, b2, eps = params["beta1"], params["beta2"], params["eps"]
        m = keep("m", f"{show(b1)}·{v_(state['m'])} + {show(1 - b1)}·{v_(g)}",
                 tuple(b1 * a + (1 - b1) * b for a, b in zip(state["m"], g, strict=True)))
        v = keep("v", f"{show(b2)}·{v_(state['v'])} + {show(1 - b2)}·{v_(g)}²",
                 tuple(b2 * a + (1 - b2) * b**2 for a, b in zip(state["v"], g, strict=True)))
        state["m"], state["v"] = m, v
        m_hat = keep("m̂", f"{v_(m)}/(1 − {show(b1)}^{t})", tuple(a / (1 - b1**t) for a in m))
        v_hat = keep("v̂", f"{v_(v)}/(1 − {show(b2)}^{t})", tuple(a / (1 - b2**t) for a in v))
        return lines, keep("x", f"{v_(x)} − {show(rate)}·{v_(m_hat)}/(√{v_(v_hat)} + "
                                f"{show(eps)})",
                           tuple(a - rate * b / (sp.sqrt(c) + eps)
                                 for a, b, c in zip(x, m_hat, v_hat, strict=True)))
    return _newton(plan, problem, x, g, rate, keep, lines)


def _newton(plan, problem, x, g, rate, keep, lines):
    n = len(x)
    hessian = sp.Matrix(n, n, lambda i, j: _at((problem.hessian[i][j],), problem.variables,
                                               x)[0])
    rows = "; ".join(", ".join(show(hessian[i, j]) for j in range(n)) for i in range(n))
    lines.append(Line("H", f"∇²f{show_vector(x)}", tuple(hessian)))
    numbers = np.array(hessian.evalf(30).tolist(), dtype=float)
    eigenvalues = np.linalg.eigvalsh((numbers + numbers.T) / 2).tolist()
    scale = max(1.0, max(abs(e) for e in eigenvalues))
    system = hessian
    if eigenvalues[0] <= POSITIVE * scale:
        shift = _carried(sp.nsimplify(SHIFT * scale - eigenvalues[0]))
        lines.append(Line("μ", f"10⁻³·{show(_carried(sp.nsimplify(scale)))} − "
                               f"({show(_carried(sp.nsimplify(eigenvalues[0]))) })", (shift,)))
        system = hessian + shift * sp.eye(n)
    d = keep("d", f"[{rows}]⁻¹·{show_vector(g)}", tuple(system.LUsolve(sp.Matrix(g))))
    alpha = rate
    if plan.line_search:
        f0 = _at((problem.function,), problem.variables, x)[0]
        slope = -sum(a * b for a, b in zip(g, d, strict=True))
        for _ in range(MAX_HALVINGS):
            trial = tuple(a - alpha * b for a, b in zip(x, d, strict=True))
            value = _at((problem.function,), problem.variables, trial)[0]
            if value <= f0 + ARMIJO * alpha * slope:
                break
            alpha = alpha * sp.Rational(SHRINK)
        lines.append(Line("α", f"{show(rate)}, halved until f decreases enough (Armijo)",
                          (alpha,)))
    return lines, keep("x", f"{show_vector(x)} − {show(alpha)}·{show_vector(d)}",
                       tuple(a - alpha * b for a, b in zip(x, d, strict=True)))


def _closed_form(problem: Problem, plan: Plan, rate: sp.Expr, x0: Vector) -> str | None:
    """gd on a quadratic whose Hessian is λ·I: x_k − x* = (1 − ηλ)ᵏ·(x₀ − x*)."""
    if plan.rule.name != "gd" or not plan.schedule.constant or plan.line_search:
        return None
    hessian = sp.Matrix(problem.hessian)
    if hessian.free_symbols or not hessian.is_diagonal():
        return None
    diagonal = set(hessian.diagonal())
    if len(diagonal) != 1:
        return None
    curvature = diagonal.pop()
    if not curvature.is_positive:
        return None
    mapping = dict(zip(problem.variables, (sp.S.Zero,) * len(x0), strict=True))
    minimum = tuple(-_carried(v.xreplace(mapping)) / curvature for v in problem.gradient)
    factor = _carried(1 - rate * curvature)
    offset = tuple(a - b for a, b in zip(x0, minimum, strict=True))
    if all(m == 0 for m in minimum):
        return (f"Here H = {show(curvature)}·I, so every step multiplies x by 1 − η·"
                f"{show(curvature)} = {show(factor)}: x_k = {show(factor)}ᵏ·{show_vector(x0)}.")
    return (f"Here H = {show(curvature)}·I, so every step multiplies x − x* by 1 − η·"
            f"{show(curvature)} = {show(factor)}: x_k = {show_vector(minimum)} + "
            f"{show(factor)}ᵏ·{show_vector(offset)}.")
