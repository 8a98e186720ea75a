"""What a vector function's derivatives say at one point: the records behind `grad` and
`hessian` for functions of x[1..n] (numbers in float64; formulas from `symbolic/indexed`)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from gradcli.engine.indexed import DENSE_LIMIT, VectorProblem
from gradcli.errors import NumericError
from gradcli.symbolic import calculus
from gradcli.symbolic.budget import outside_budget

CHECKED = 20  # coordinates compared with finite differences when n is larger


class VectorGradientAt(NamedTuple):
    point: np.ndarray
    value: float
    gradient: np.ndarray
    norm: float
    largest: int  # the coordinate with the largest |∂f/∂·|
    directional: tuple[np.ndarray, float] | None  # (unit direction, D_u f)
    checked: int | None  # coordinates compared with finite differences
    check_error: float | None


def _defined(value: float, gradient: np.ndarray) -> None:
    if not (np.isfinite(value) and np.isfinite(gradient).all()):
        raise NumericError("f or ∇f is undefined or not finite at this point; choose another.")


def checked_coordinates(size: int, seed: int = 0) -> np.ndarray:
    """Every coordinate for a small n; else the first, the last and CHECKED − 2 seeded others."""
    if size <= CHECKED:
        return np.arange(size)
    inner = np.random.default_rng(seed).choice(np.arange(1, size - 1), CHECKED - 2,
                                               replace=False)
    return np.sort(np.concatenate([[0, size - 1], inner]))


def finite_difference_error(problem: VectorProblem, x: np.ndarray, gradient: np.ndarray,
                            coordinates: np.ndarray) -> float:
    """Largest relative error of ∂f/∂x_c against central differences, over the coordinates."""
    worst = 0.0
    for c in coordinates:
        h = 1e-6 * max(1.0, abs(x[c]))
        plus, minus = x.copy(), x.copy()
        plus[c] += h
        minus[c] -= h
        estimate = float(problem.difference(plus[None, :], minus[None, :])[0]) / (2 * h)
        scale = max(1.0, abs(gradient[c]))
        worst = max(worst, abs(estimate - gradient[c]) / scale)
    return worst


@outside_budget  # numeric, bounded by n (compiling a kernel keeps its own budget)
def vector_gradient_at(problem: VectorProblem, point: np.ndarray, direction: np.ndarray | None,
                       check: bool) -> VectorGradientAt:
    value, gradient = problem.gradient(point[None, :], with_value=True)
    value, gradient = float(value[0]), gradient[0]
    _defined(value, gradient)
    norm = float(np.linalg.norm(gradient))
    directional = None
    if direction is not None:
        length = float(np.linalg.norm(direction))
        if not length > 0:
            raise NumericError("--dir is the zero vector; give a direction with some length.")
        unit = direction / length
        directional = (unit, float(gradient @ unit))
    coordinates = checked_coordinates(problem.size) if check else None
    error = finite_difference_error(problem, point, gradient, coordinates) if check else None
    return VectorGradientAt(point, value, gradient, norm, int(np.argmax(np.abs(gradient))),
                            directional, None if coordinates is None else len(coordinates),
                            error)


class VectorCurvature(NamedTuple):
    point: np.ndarray
    lowest: float
    highest: float
    definiteness: str
    stability_bound: float | None
    eigenvalues: np.ndarray | None  # all of them where the Hessian was formed (n ≤ 2000)
    method: str  # how they were found


@outside_budget  # numeric, bounded by n: BLAS threads that spin on a busy machine add CPU time
def vector_curvature_at(problem: VectorProblem, point: np.ndarray) -> VectorCurvature:
    """λmin, λmax (dense eigenvalues up to DENSE_LIMIT coordinates, else Lanczos on H·v),
    the definiteness they imply and the stability bound 2/λmax."""
    if problem.size <= DENSE_LIMIT:
        matrix = problem.hessian(point)
        if not np.isfinite(matrix).all():
            raise NumericError("the Hessian is undefined or not finite at this point.")
        summary = calculus.curvature(matrix)
        values = np.array(summary.eigenvalues)
        return VectorCurvature(point, float(values[0]), float(values[-1]), summary.definiteness,
                               summary.stability_bound, values, "dense eigenvalues")
    extremes = problem.extreme_eigenvalues(point)
    if extremes is None:
        raise NumericError("the Hessian is undefined or not finite at this point.")
    values = np.array(extremes)
    definite = str(calculus.definiteness(values))
    bound = 2 / values[1] if values[1] > calculus.DEFINITENESS_TOLERANCE * max(
        1.0, float(np.max(np.abs(values)))) else None
    return VectorCurvature(point, float(values[0]), float(values[1]), definite, bound, None,
                           "Lanczos estimates from Hessian-vector products: the true λmin may "
                           "be slightly lower, λmax slightly higher")
