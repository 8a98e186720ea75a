"""Steps that need whole matrices: Newton's method, and backtracking line search.

They keep the engine's step contract (see `loop.run_batch`) but work on (B, n) arrays: a
Hessian per run, a linear solve per run, trial evaluations of f. Newton converges in few steps,
so clarity matters more here than the last microsecond.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from gradcli.engine.plan import Plan
from gradcli.engine.problem import Problem

ARMIJO = 1e-4  # sufficient decrease: f(x + αd) ≤ f(x) + c·α·∇f·d
SHRINK = 0.5
MAX_HALVINGS = 50
POSITIVE = 1e-10  # λmin above POSITIVE·max(1, |λ|max): positive definite, no shift
SHIFT = 1e-3  # otherwise λmin is lifted to SHIFT·max(1, |λ|max)


def safeguarded_newton_direction(hessians: np.ndarray, gradients: np.ndarray):
    """Solve (H + μI)d = −g per run, with μ = 0 where H is positive definite and otherwise
    μ = SHIFT·max(1, |λ|max) − λmin; also say which runs needed the shift."""
    count, n = gradients.shape
    finite = np.isfinite(hessians).all(axis=(1, 2))
    symmetric = np.where(finite[:, None, None], (hessians + np.swapaxes(hessians, 1, 2)) / 2,
                         np.eye(n))
    eigenvalues = np.linalg.eigvalsh(symmetric)
    scale = np.maximum(1.0, np.abs(eigenvalues).max(axis=1))
    shifted = eigenvalues[:, 0] <= POSITIVE * scale
    shift = np.where(shifted, SHIFT * scale - eigenvalues[:, 0], 0.0)
    system = symmetric + shift[:, None, None] * np.eye(n)
    direction = -np.linalg.solve(system, gradients[:, :, None])[:, :, 0]
    return np.where(finite[:, None], direction, np.nan), shifted | ~finite


def backtrack(value: Callable[[np.ndarray], np.ndarray], points: np.ndarray, f: np.ndarray,
              gradients: np.ndarray, direction: np.ndarray, first: np.ndarray):
    """Armijo backtracking per run: halve α from `first` until f decreases enough.

    Returns the accepted α and how many evaluations of f each run spent.
    """
    slope = np.einsum("ij,ij->i", gradients, direction)
    alpha = np.array(np.broadcast_to(first, f.shape), dtype=float)
    calls = np.zeros(f.shape, dtype=np.int64)
    pending = np.ones(f.shape, dtype=bool)
    for _ in range(MAX_HALVINGS):
        trial = value(points + alpha[:, None] * direction)[:, 0]
        calls += pending
        pending &= ~(trial <= f + ARMIJO * alpha * slope)
        if not pending.any():
            break
        alpha = np.where(pending, alpha * SHRINK, alpha)
    return alpha, calls


def matrix_step(problem: Problem, plan: Plan) -> Callable:
    """gd with line search, or Newton (with or without it), as an engine step."""
    multiplier = plan.schedule.function()
    newton = plan.rule.name == "newton"

    def step(x, state, lr, t, noise, active):
        points = np.column_stack(x)
        values = problem.value_and_gradient(points)
        f, gradients = values[:, 0], values[:, 1:]
        squared = np.einsum("ij,ij->i", gradients, gradients) + 0.0 * f
        rate = lr * multiplier(t - 1)
        shifted = np.zeros(len(f), dtype=bool)
        if newton:
            count, n = gradients.shape
            hessians = problem.hessian_function(points).reshape(count, n, n)
            direction, shifted = safeguarded_newton_direction(hessians, gradients)
        else:
            direction = -gradients
        calls = 1
        if plan.line_search:
            rate, searched = backtrack(problem.value_function, points, f, gradients, direction,
                                       rate)
            calls = 1 + searched
        moved = points + np.reshape(rate, (-1, 1)) * direction
        return squared, f, tuple(moved.T), state, rate, shifted, calls

    return step
