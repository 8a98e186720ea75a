"""Where ∇f = 0, and what each such point is: critical points, found and classified.

SymPy's `solve` is tried first under a short budget of its own; it can be slow, and for some
systems it returns only some of the real solutions without saying so (Himmelblau's gradient:
4 of 9). So the symbolic answer is always merged with a numeric search — multi-start Newton on
∇f = 0 from a grid over a box — and duplicates are removed. Each point is classified by the
eigenvalues of the Hessian there.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import sympy as sp

from gradcli.engine.compile import evaluate
from gradcli.engine.problem import Problem
from gradcli.errors import SymbolicTimeout
from gradcli.symbolic import calculus
from gradcli.symbolic.budget import time_budget
from gradcli.symbolic.printing import plain

Box = tuple[tuple[float, float], ...]

SOLVE_SECONDS = 2.0
GRID_BUDGET = 2500  # starts for the numeric search, spread as a grid over the box
HESSIAN_ENTRIES = 5_000_000  # starts × n² held at once by Newton's step (40 MB of float64)
NEWTON_STEPS = 80
GRADIENT_TOLERANCE = 1e-8
MERGE_TOLERANCE = 1e-6  # relative to the box's diagonal


class CriticalPoint(NamedTuple):
    x: tuple[float, ...]
    f: float
    kind: str  # minimum, maximum, saddle, degenerate
    eigenvalues: tuple[float, ...]
    exact: tuple[str, ...] | None  # SymPy's exact coordinates, when it found the point


class Search(NamedTuple):
    points: tuple[CriticalPoint, ...]
    box: Box
    symbolic: str  # "complete" (SymPy solved it), "timeout", "failed", or "skipped"
    families: tuple[str, ...] = ()  # non-isolated critical sets, e.g. "x = 0 (any y)"
    incomplete: str | None = None  # why the list may miss critical points, when it may


CROWDED = 0.05  # a search whose distinct finds exceed this share of its starts may miss some


def default_box(problem: Problem) -> Box:
    """The library function's domain; else [-5, 5] in every variable."""
    if problem.entry is not None:
        return problem.entry.domain
    return tuple((-5.0, 5.0) for _ in problem.variables)


def _symbolic(problem: Problem) -> tuple[list[tuple[sp.Expr, ...]], str, list[dict]]:
    gradient = list(problem.gradient)  # differentiated under its own budget, before this one
    try:
        with time_budget("solving ∇f = 0", SOLVE_SECONDS):
            solutions = sp.solve(gradient, list(problem.variables), dict=True)
    except SymbolicTimeout:
        return [], "timeout", []
    except (NotImplementedError, ValueError, TypeError):
        return [], "failed", []
    points, families = [], []
    for solution in solutions:
        if set(solution) != set(problem.variables):
            families.append(solution)  # a set of critical points with a free variable
            continue
        values = tuple(solution[v] for v in problem.variables)
        numbers = [complex(sp.N(value, 30)) for value in values]
        if all(abs(z.imag) <= 1e-12 * max(1.0, abs(z.real)) for z in numbers):
            points.append(values)
    return points, "complete", families


def _family_text(problem: Problem, family: dict) -> str:
    free = [str(v) for v in problem.variables if v not in family]
    fixed = ", ".join(f"{v} = {plain(family[v])}" for v in problem.variables if v in family)
    return f"{fixed} (any {', '.join(free)})"


def _on_family(problem: Problem, families: list[dict], points: np.ndarray) -> np.ndarray:
    """Which points lie on one of the families (each fixed coordinate matches)."""
    on = np.zeros(len(points), dtype=bool)
    for family in families:
        match = np.ones(len(points), dtype=bool)
        for index, variable in enumerate(problem.variables):
            if variable not in family:
                continue
            expression = family[variable]
            free = sorted(expression.free_symbols, key=str)
            if free:
                positions = [problem.variables.index(symbol) for symbol in free]
                values = np.array([float(expression.xreplace(
                    dict(zip(free, row[positions], strict=True)))) for row in points])
            else:
                values = np.full(len(points), float(expression))
            scale = np.maximum(1.0, np.abs(values))
            match &= np.abs(points[:, index] - values) <= 1e-6 * scale
        on |= match
    return on


def start_count(n: int) -> int:
    """How many starts the search affords: GRID_BUDGET, fewer where n×n Hessians are large."""
    return max(1, min(GRID_BUDGET, HESSIAN_ENTRIES // (n * n)))


def _starts(box: Box) -> np.ndarray:
    """A grid over the box while one of at least 3 per axis fits in the start count; in more
    dimensions that many seeded random points instead."""
    count = start_count(len(box))
    per_axis = int(count ** (1 / len(box)) + 1e-9)
    low = np.array([b[0] for b in box])
    high = np.array([b[1] for b in box])
    if per_axis < 3:
        return np.random.default_rng(0).uniform(low, high, size=(count, len(box)))
    axes = [np.linspace(lo, hi, per_axis) for lo, hi in box]
    return np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, len(box))


def _newton(problem: Problem, points: np.ndarray) -> np.ndarray:
    """Newton's method on ∇f = 0 for every row (a pseudo-inverse where H is singular)."""
    n = points.shape[1]
    with np.errstate(all="ignore"):
        for _ in range(NEWTON_STEPS):
            gradients = evaluate(problem.value_and_gradient, points)[:, 1:]
            hessians = evaluate(problem.hessian_function, points).reshape(-1, n, n)
            usable = np.isfinite(gradients).all(axis=1) & np.isfinite(hessians).all(axis=(1, 2))
            steps = np.zeros_like(points)
            if usable.any():
                steps[usable] = np.einsum("bij,bj->bi", np.linalg.pinv(hessians[usable]),
                                          gradients[usable])
            points = np.where(usable[:, None], points - steps, np.nan)
            if not np.any(np.abs(steps) > 1e-15 * (1 + np.abs(points))):
                break  # every start has settled (or failed)
    return points


def _inside(points: np.ndarray, box: Box, slack: float = 1e-6) -> np.ndarray:
    low = np.array([b[0] for b in box])
    high = np.array([b[1] for b in box])
    pad = slack * (high - low)
    return np.all((points >= low - pad) & (points <= high + pad), axis=1)


def merge(points: np.ndarray, scale: float, tolerance: float = MERGE_TOLERANCE) -> list[int]:
    """Indices of representatives: points closer than tolerance·scale count as one."""
    kept: list[int] = []
    for index, point in enumerate(points):
        if not kept or np.min(np.linalg.norm(points[kept] - point, axis=1)) > tolerance * scale:
            kept.append(index)
    return kept


def classify(problem: Problem, points: np.ndarray) -> list[tuple[str, tuple[float, ...]]]:
    """Kind and Hessian eigenvalues at each point (one call for all)."""
    n = points.shape[1]
    matrices = evaluate(problem.hessian_function, points).reshape(-1, n, n)
    out = []
    for matrix in matrices:
        if not np.isfinite(matrix).all():
            out.append(("degenerate", tuple(math.nan for _ in range(n))))
            continue
        curvature = calculus.curvature(matrix)
        out.append((calculus.stationary_kind(curvature.definiteness), curvature.eigenvalues))
    return out


def critical_points(problem: Problem, box: Box, numeric_only: bool = False) -> Search:
    exact, symbolic, families = ([], "skipped", []) if numeric_only else _symbolic(problem)
    exact_numbers = np.array([[float(sp.re(sp.N(v, 30))) for v in point] for point in exact],
                             dtype=float).reshape(-1, len(box))
    inside = _inside(exact_numbers, box, slack=0.0)  # exact solutions outside the box: not here
    exact = [point for point, keep in zip(exact, inside, strict=True) if keep]
    exact_numbers = exact_numbers[inside]
    starts = _starts(box)
    if problem.entry is not None:  # the library's own points are starts too: easom's (π, π)
        listed = [p.point for p in (*problem.entry.minima, *problem.entry.points)]
        starts = np.vstack([starts, np.array(listed, dtype=float).reshape(-1, len(box))])
    with time_budget("searching for critical points"):
        found = _newton(problem, starts)
    values = evaluate(problem.value_and_gradient, found)
    converged = np.isfinite(found).all(axis=1) & _inside(found, box) & \
        (np.linalg.norm(values[:, 1:], axis=1) <= GRADIENT_TOLERANCE * (1 + np.abs(values[:, 0])))
    numeric = found[converged]
    numeric = numeric[~_on_family(problem, families, numeric)] if families else numeric
    candidates = np.vstack([exact_numbers, numeric])
    scale = float(np.linalg.norm([high - low for low, high in box]))
    kept = merge(candidates, scale)
    chosen = candidates[kept] + 0.0  # no -0.0 in the output
    family_texts = tuple(_family_text(problem, family) for family in families)
    incomplete = _incomplete(symbolic, len(kept) - len(exact), len(starts), len(box))
    if not len(chosen):
        return Search((), box, symbolic, family_texts, incomplete)
    f = evaluate(problem.value_and_gradient, chosen)[:, 0]
    kinds = classify(problem, chosen)
    points = [
        CriticalPoint(tuple(float(v) for v in x), float(value), kind, eigenvalues,
                      tuple(plain(v) for v in exact[index]) if index < len(exact) else None)
        for index, x, value, (kind, eigenvalues) in zip(kept, chosen, f, kinds, strict=True)
    ]
    order = {"minimum": 0, "saddle": 1, "degenerate": 2, "maximum": 3}
    points.sort(key=lambda p: (order[p.kind], p.f, p.x))
    return Search(tuple(points), box, symbolic, family_texts, incomplete)


def _incomplete(symbolic: str, numeric_finds: int, starts: int, n: int) -> str | None:
    """Why the list may miss critical points: none when SymPy solved the system; otherwise when
    the starts were random (many variables) or crowded with distinct finds."""
    if symbolic == "complete":
        return None
    if int(start_count(n) ** (1 / n) + 1e-9) < 3:
        return (f"the numeric search started from {starts} random points in {n} dimensions, "
                "so it may have missed critical points")
    if numeric_finds > CROWDED * starts:
        return (f"the numeric search found {numeric_finds} distinct points from {starts} "
                "starts, so there are likely more between its starts; narrow the --box to "
                "look closer")
    return None


def known_label(problem: Problem, point: Sequence[float], tolerance: float = 1e-4) -> str:
    """'global minimum', 'local minimum', … when the library lists a point here; else ''."""
    if problem.entry is None:
        return ""
    for listed in (*problem.entry.minima, *problem.entry.points):
        if np.linalg.norm(np.subtract(point, listed.point)) <= tolerance * \
                max(1.0, float(np.linalg.norm(listed.point))):
            return listed.kind
    return ""
