"""From where the engine stopped to a Result: the status, and a sentence that explains it.

This is where the maths is used to explain: the Hessian tells a minimum from a saddle and gives
the stability bound 2/λmax behind a divergence; the expression tree names what was undefined.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from gradcli import calculus
from gradcli.compile import evaluate
from gradcli.engine import Stopped, StopRules
from gradcli.printing import plain
from gradcli.problem import Problem
from gradcli.result import History, Result, Status

# An iterate this much farther out than the start, where f overflows, has diverged.
RUNAWAY_FACTOR = 1e10


class Settings(NamedTuple):
    """What a run was asked to do, as the result reports it."""

    method: str
    params: Mapping[str, float]
    stop: StopRules


def _point(x: np.ndarray) -> str:
    return "(" + ", ".join(f"{v:.6g}" for v in x) + ")"


class _Evaluated(NamedTuple):
    f: np.ndarray
    gradient: np.ndarray
    norm: np.ndarray


def _evaluate(problem: Problem, points: np.ndarray) -> _Evaluated:
    values = evaluate(problem.value_and_gradient, points)
    gradient = values[:, 1:]
    with np.errstate(all="ignore"):
        norm = np.sqrt(np.einsum("ij,ij->i", gradient, gradient))
    return _Evaluated(values[:, 0], gradient, norm)


def _curvature_at(problem: Problem, x: np.ndarray) -> calculus.Curvature | None:
    n = x.size
    matrix = evaluate(problem.hessian_function, x[None, :]).reshape(n, n)
    return calculus.curvature(matrix) if np.isfinite(matrix).all() else None


def _divergence_hint(problem: Problem, lr: float, start: np.ndarray, last: np.ndarray) -> str:
    """Compare the learning rate with the local stability bound 2/λmax."""
    at_start = _curvature_at(problem, start)
    if at_start is None or at_start.stability_bound is None:
        return "f has no positive curvature at the start, so it may be unbounded below."
    bound = at_start.stability_bound
    if lr > bound:
        return (f"The learning rate {lr:g} is above 2/λmax = {bound:.4g} at the start; "
                f"try --lr {0.9 * bound:.2g}.")
    later = _curvature_at(problem, last)
    if later is not None and later.stability_bound is not None and lr > later.stability_bound:
        return (f"The learning rate {lr:g} is below 2/λmax = {bound:.4g} at the start but above "
                f"2/λmax = {later.stability_bound:.4g} where it blew up: the surface gets "
                f"steeper along the path; try --lr {0.9 * later.stability_bound:.2g}.")
    return "Try a smaller --lr."


class _Verdict(NamedTuple):
    status: Status
    message: str
    x: np.ndarray


def _failure(problem: Problem, lr: float, start: np.ndarray, k: int, x: np.ndarray,
             previous: np.ndarray) -> _Verdict:
    """∇f became non-finite or exploded at x_k: a divergence, or f left its domain?"""
    if not np.isfinite(x).all():
        return _Verdict(Status.diverged, f"Diverged at step {k}: the iterate overflowed; the "
                        f"last finite point was {_point(previous)}. "
                        f"{_divergence_hint(problem, lr, start, previous)}", previous)
    here = _evaluate(problem, x[None, :])
    defined = np.isfinite(here.f[0]) and np.isfinite(here.gradient).all()
    far = np.linalg.norm(x) >= RUNAWAY_FACTOR * max(1.0, float(np.linalg.norm(start)))
    if defined or far:
        return _Verdict(Status.diverged, f"Diverged at step {k}: ‖∇f‖ exceeded 1e100 at "
                        f"{_point(x)}. {_divergence_hint(problem, lr, start, previous)}",
                        x if defined else previous)
    culprit = calculus.undefined_part(problem.function, problem.variables, x)
    what = f"{culprit} is undefined" if culprit else "f or ∇f is undefined"
    where = "the start" if k == 0 else f"step {k}"
    last = "" if k == 0 else f" The last good point was {_point(previous)}."
    return _Verdict(Status.domain_error, f"Domain error at {where}: {what} at {_point(x)}.{last}",
                    x if k == 0 else previous)


def _stationary(curvature: calculus.Curvature | None, k: int) -> str | None:
    """A sentence when ∇f = 0 was reached at something other than a minimum."""
    if curvature is None:
        return None
    kind = calculus.stationary_kind(curvature.definiteness)
    if k == 0 and kind != "minimum":
        what = {"saddle": "a saddle", "maximum": "a maximum"}.get(
            kind, "a degenerate stationary point (the second-derivative test is inconclusive)")
        return (f"Started at a stationary point (∇f = 0), but {what}: the Hessian is "
                f"{curvature.definiteness}. Descent cannot leave it; start elsewhere.")
    if kind in ("saddle", "maximum"):
        return (f"Stopped at a stationary point after {k} steps, but it is a {kind}, not a "
                f"minimum (the Hessian is {curvature.definiteness}); start elsewhere.")
    return None


def _converged(reason: str, k: int, norm: float, stop: StopRules, moved: float) -> str:
    if reason == "gradient":
        return f"Converged: ‖∇f‖ = {norm:.2e} ≤ tol {stop.tol:g} after {k} steps."
    if reason == "step":
        return (f"Converged: the step {moved:.2e} ≤ --step-tol {stop.step_tol:g} after {k} steps "
                f"(‖∇f‖ = {norm:.2e}).")
    return f"Converged: f changed by less than --f-tol {stop.f_tol:g} after {k} steps."


def _verdict(problem: Problem, settings: Settings, lr: float, start: np.ndarray, reason: str,
             k: int, x: np.ndarray, previous: np.ndarray, norm: float,
             curvature: calculus.Curvature | None) -> _Verdict:
    stop = settings.stop
    if reason == "nonfinite":
        return _failure(problem, lr, start, k, x, previous)
    if reason == "interrupted":
        return _Verdict(Status.interrupted, f"Interrupted (Ctrl-C) at step {k}; the steps so far "
                        "are kept.", x)
    if reason == "max_steps":
        return _Verdict(Status.max_steps, f"Stopped at the step limit: {k} steps, and ‖∇f‖ = "
                        f"{norm:.2e} is still above tol {stop.tol:g}; raise --steps or --lr.", x)
    stationary = _stationary(curvature, k) if reason == "gradient" else None
    if stationary:
        return _Verdict(Status.stationary, stationary, x)
    moved = float(np.linalg.norm(x - previous))
    return _Verdict(Status.converged, _converged(reason, k, norm, stop, moved), x)


def _curvatures(problem: Problem, stopped: Stopped) -> list[calculus.Curvature | None]:
    """The Hessian's verdict at every run's end that met the gradient tolerance (one batch call)."""
    count, n = stopped.x.shape
    wanted = [reason == "gradient" for reason in stopped.reasons]
    if not any(wanted):
        return [None] * count
    matrices = evaluate(problem.hessian_function, stopped.x).reshape(count, n, n)
    return [calculus.curvature(m) if w and np.isfinite(m).all() else None
            for m, w in zip(matrices, wanted, strict=True)]


def conclude(problem: Problem, settings: Settings, lr: np.ndarray, starts: np.ndarray,
             stopped: Stopped) -> list[Result]:
    """One Result per run of the batch (lr has one entry per run)."""
    recorder = stopped.recorder
    steps = np.array(recorder.steps)
    count, n = starts.shape
    points = np.asarray(recorder.points, dtype=float).reshape(len(steps), count, n)
    before = np.asarray(recorder.previous, dtype=float).reshape(len(steps), count, n)
    recorded = _evaluate(problem, points.reshape(-1, n))
    recorded_f = recorded.f.reshape(len(steps), count)
    recorded_norm = recorded.norm.reshape(len(steps), count)
    with np.errstate(all="ignore"):
        moved = np.sqrt(np.sum((points - before) ** 2, axis=2))
        last_moved = np.sqrt(np.sum((stopped.x - stopped.previous) ** 2, axis=1))
    final = _evaluate(problem, stopped.x)
    curvatures = _curvatures(problem, stopped)
    verdicts = [
        _verdict(problem, settings, float(lr[run]), starts[run], stopped.reasons[run],
                 int(stopped.iterations[run]), stopped.x[run], stopped.previous[run],
                 float(final.norm[run]), curvatures[run])
        for run in range(count)
    ]
    reported = _evaluate(problem, np.array([verdict.x for verdict in verdicts]))
    results = []
    for run, verdict in enumerate(verdicts):
        k = int(stopped.iterations[run])
        keep = steps < k
        history = History(
            k=np.append(steps[keep], k),
            x=np.vstack([points[keep, run], stopped.x[run][None, :]]),
            f=np.append(recorded_f[keep, run], final.f[run]),
            grad_norm=np.append(recorded_norm[keep, run], final.norm[run]),
            step=np.append(moved[keep, run], last_moved[run]),
        )
        results.append(Result(
            function=plain(problem.function),
            variables=problem.names,
            method=settings.method,
            params={"lr": float(lr[run]), **settings.params},
            start=tuple(float(v) for v in starts[run]),
            status=verdict.status,
            message=verdict.message,
            x=tuple(float(v) for v in verdict.x),
            f=float(reported.f[run]),
            gradient=tuple(float(v) for v in reported.gradient[run]),
            grad_norm=float(reported.norm[run]),
            iterations=k,
            evaluations=k + 1,
            history=history,
        ))
    return results
