"""The same function in new coordinates: θ = ψ(φ), g(φ) = f(ψ(φ)).

The minimum does not move, but the gradient becomes ∇_φ g = J_ψ(φ)ᵀ ∇_θ f, so gradient descent
takes another path (and may need another learning rate); Newton's method is invariant under
affine changes of coordinates.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import sympy as sp

from gradcli.counts import shown
from gradcli.engine.compile import compile_batch, evaluate
from gradcli.engine.problem import Problem
from gradcli.errors import InputError
from gradcli.symbolic.calculus import curvature
from gradcli.symbolic.parsing import natural_key, parse

NEWTON_ITERATIONS = 60


class Reparam(NamedTuple):
    original: Problem  # f(θ)
    mapped: Problem  # g(φ) = f(ψ(φ))
    psi: tuple[sp.Expr, ...]  # θ_i = ψ_i(φ), in the order of original.variables
    jacobian: object  # compiled: φ rows -> (n*n) entries of ∂θ/∂φ, row-major
    values: object  # compiled: φ rows -> θ


def _parts(text: str) -> list[str]:
    """Split `x=u, y=10*v` at the commas that are not inside parentheses."""
    parts, depth, current = [], 0, []
    for char in text:
        depth += char == "("
        depth -= char == ")"
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts]


def reparameterise(problem: Problem, text: str) -> Reparam:
    """Read `--map "x=u, y=10*v"`: every variable of f in terms of new variables."""
    old = {str(v): v for v in problem.variables}
    formulas: dict[str, sp.Expr] = {}
    new_names: dict[str, None] = {}
    for part in _parts(text):
        name, equals, formula = part.partition("=")
        name = name.strip()
        if not equals or not name or not formula.strip():
            raise InputError(f"--map entry '{part}': write OLD=FORMULA, such as x=u or "
                             "y=10*v, separated by commas.")
        if name not in old:
            raise InputError(f"--map maps '{name}', which is not a variable of f "
                             f"({', '.join(old)}).")
        if name in formulas:
            raise InputError(f"--map gives '{name}' twice; give each old variable once.")
        if "=" in formula:
            raise InputError(f"--map entry '{shown(part)}': each entry is OLD=FORMULA with one "
                             f"'=', such as x=u or y=10*v; the formula '{shown(formula.strip())}'"
                             " has another.")
        try:
            parsed = parse(formula)
        except InputError as error:
            raise InputError(f"--map formula for '{name}': {error}") from None
        if parsed.vectors:
            raise InputError("--map formulas use named variables, not vectors.")
        formulas[name] = parsed.components[0]
        new_names.update(dict.fromkeys(parsed.names))
    missing = [name for name in old if name not in formulas]
    if missing:
        raise InputError(f"--map gives no formula for '{missing[0]}'; map every variable of f "
                         f"({', '.join(old)}).")
    clash = [name for name in new_names if name in old]
    if clash:
        raise InputError(f"'{clash[0]}' is both an old variable and a new one in --map; name "
                         "the new coordinates differently, such as u, v.")
    new = tuple(sp.Symbol(name, real=True) for name in sorted(new_names, key=natural_key))
    if len(new) != len(old):
        raise InputError(f"--map uses {len(new)} new variable{'s' if len(new) != 1 else ''} "
                         f"({', '.join(map(str, new)) or 'none'}) for {len(old)} old ones; a "
                         "change of coordinates needs as many of each.")
    psi = tuple(formulas[name] for name in old)  # the parser's symbols are these `new` ones
    g = problem.function.xreplace(dict(zip(problem.variables, psi, strict=True)))
    mapped = Problem(f"f({', '.join(old)}) with {text}", g, new)
    entries = [sp.diff(p, v) for p in psi for v in new]
    return Reparam(problem, mapped, psi, compile_batch(entries, new), compile_batch(psi, new))


def theta_of(reparam: Reparam, phis: np.ndarray) -> np.ndarray:
    return evaluate(reparam.values, np.atleast_2d(phis))


def jacobian_at(reparam: Reparam, phi: np.ndarray) -> np.ndarray:
    n = len(phi)
    return evaluate(reparam.jacobian, phi[None, :]).reshape(n, n)


def invert(reparam: Reparam, theta0: np.ndarray) -> np.ndarray:
    """φ₀ with ψ(φ₀) = θ₀, by Newton's method on the map from φ = θ₀ (exact for an affine map);
    refused where the Jacobian is singular or no solution is found."""
    phi = theta0.astype(float).copy()
    scale = 1.0 + float(np.max(np.abs(theta0)))
    for _ in range(NEWTON_ITERATIONS):
        residual = theta_of(reparam, phi)[0] - theta0
        if np.max(np.abs(residual)) <= 1e-12 * scale:
            break
        J = jacobian_at(reparam, phi)
        if not np.isfinite(J).all() or np.linalg.cond(J) > 1e12:
            break
        phi = phi - np.linalg.solve(J, residual)
    J = jacobian_at(reparam, phi)
    residual = theta_of(reparam, phi)[0] - theta0
    if not (np.isfinite(J).all() and np.isfinite(residual).all()) or np.linalg.cond(J) > 1e12:
        raise InputError("the map is not invertible near the start: its Jacobian ∂θ/∂φ is "
                         "singular there; choose another map or start.")
    if np.max(np.abs(residual)) > 1e-9 * scale:
        raise InputError("no new coordinates φ were found with ψ(φ) equal to the start; "
                         "choose a map that reaches it.")
    return phi


class Curvatures(NamedTuple):
    eigenvalues: tuple[float, ...]
    stability_bound: float | None


def curvature_of(problem: Problem, point: np.ndarray) -> Curvatures | None:
    n = len(point)
    matrix = evaluate(problem.hessian_function, point[None, :]).reshape(n, n)
    if not np.isfinite(matrix).all():
        return None
    found = curvature(matrix)
    return Curvatures(found.eigenvalues, found.stability_bound)


def path_distance(theta_k: np.ndarray, theta_path: np.ndarray, mapped_k: np.ndarray,
                  mapped_path: np.ndarray) -> float:
    """The largest ‖θ_k − ψ(φ_k)‖ over the steps k both runs recorded (finite points only)."""
    _, mine, theirs = np.intersect1d(theta_k, mapped_k, return_indices=True)
    gaps = np.linalg.norm(theta_path[mine] - mapped_path[theirs], axis=1)
    gaps = gaps[np.isfinite(gaps)]
    return float(gaps.max()) if gaps.size else float("nan")
