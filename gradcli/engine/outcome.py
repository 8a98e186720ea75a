"""From where the engine stopped to a Result: the status, and a sentence that explains it.

This is where the maths is used to explain: the Hessian tells a minimum from a saddle and gives
the stability bound 2/λmax behind a divergence; the expression tree names what was undefined.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple, overload

import numpy as np

from gradcli import interrupts
from gradcli.counts import counted
from gradcli.engine.compile import evaluate
from gradcli.engine.diagnosis import (
    Evidence,
    evidence_of,
    max_steps_diagnosis,
    schedule_stop,
    unbounded,
    unbounded_sentence,
)
from gradcli.engine.loop import Stopped, StopRules
from gradcli.engine.plan import Plan
from gradcli.engine.poles import first_jump
from gradcli.engine.problem import Problem
from gradcli.engine.result import History, Record, Result, Status
from gradcli.symbolic import calculus
from gradcli.symbolic.printing import plain

# An iterate this much farther out than the start, where f overflows, has diverged.
RUNAWAY_FACTOR = 1e10
MANY_RUNS = 64  # up to this many runs side by side, each is checked for an unbounded f
UNDERFLOW = float(np.finfo(float).tiny)  # 2.2e-308: smaller changes of f are underflow's
SHAPE_CHUNK = 4096  # points sampled around at once (each with 3·(2n + 8) evaluations)
# A minimum that f's quadratic model puts farther than this (times max(1, ‖x‖)) is not "here".
FLAT_DISTANCE = 1e-2


def reported_params(plan: Plan, lr: float) -> dict[str, Any]:
    """What a run was asked to do, as its result reports it: lr, the method's hyperparameters,
    and whichever of schedule, line search and gradient transforms were used."""
    params: dict[str, Any] = {"lr": lr, **plan.params}
    if not plan.schedule.constant:
        params["schedule"] = plan.schedule.spec
    if plan.line_search:
        params["line_search"] = True
    params.update({name: value for name, value in plan.transforms._asdict().items()
                   if value is not None and value is not False})
    return params


def history_columns(plan: Plan) -> tuple[str, ...]:
    """History keys beyond k, x, f, grad_norm, step that this plan makes meaningful."""
    columns = ("lr",) if plan.tracks_rate else ()
    if plan.rule.name == "newton":
        return (*columns, "shifted")
    return (*columns, "clipped") if plan.transforms.clipping else columns


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


def stability_hint(lr: float, at_start: float | None, later: float | None) -> str:
    """Compare the learning rate with the local stability bounds 2/λmax (None: no positive
    curvature there) at the start and where the run blew up."""
    if at_start is None:
        return "f has no positive curvature at the start, so it may be unbounded below."
    if lr > at_start:
        return (f"The learning rate {lr:g} is above 2/λmax = {at_start:.4g} at the start; "
                f"try --lr {0.9 * at_start:.2g}.")
    if later is not None and lr > later:
        return (f"The learning rate {lr:g} is below 2/λmax = {at_start:.4g} at the start but above "
                f"2/λmax = {later:.4g} where it blew up: the surface gets "
                f"steeper along the path; try --lr {0.9 * later:.2g}.")
    return "Try a smaller --lr."


def _divergence_hint(problem: Problem, lr: float, start: np.ndarray, last: np.ndarray) -> str:
    at_start = _curvature_at(problem, start)
    bound = None if at_start is None else at_start.stability_bound
    later = _curvature_at(problem, last) if bound is not None and lr <= bound else None
    return stability_hint(lr, bound, None if later is None else later.stability_bound)


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


def _failure_verdicts(problem: Problem, starts: np.ndarray, steps: np.ndarray, x: np.ndarray,
                      previous: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`_failure`'s status and reported point for many runs at once (its sentence, with the
    curvature at the last point, is worked out only for a run that is shown)."""
    finite = np.isfinite(x).all(axis=1)
    here = _evaluate(problem, np.where(finite[:, None], x, 0.0))
    defined = finite & np.isfinite(here.f) & np.isfinite(here.gradient).all(axis=1)
    with np.errstate(all="ignore"):
        far = np.linalg.norm(x, axis=1) >= RUNAWAY_FACTOR * np.maximum(
            1.0, np.linalg.norm(starts, axis=1))
    diverged = ~finite | defined | far
    statuses = np.where(diverged, Status.diverged, Status.domain_error).astype(object)
    keep_x = defined | (~diverged & (steps == 0))
    return statuses, np.where(keep_x[:, None], x, previous)


def _newton_jump(evidence: Evidence) -> str:
    """Pure Newton's worst step, when it threw f up by orders of magnitude."""
    rises = evidence.f[1:] / np.maximum(1.0, np.abs(evidence.f[:-1]))
    if not len(rises) or not np.nanmax(rises) > 100:
        return ""
    worst = int(np.nanargmax(rises)) + 1
    return (f" Pure Newton's step {int(evidence.k[worst])} took f from "
            f"{evidence.f[worst - 1]:.3g} to {evidence.f[worst]:.3g}: far from a minimum the "
            "quadratic model misleads. Without --no-line-search, Newton halves such steps until f "
            "decreases.")


def _stationary(curvature: calculus.Curvature, k: int, norm: float, tol: float) -> str:
    """The sentence for ∇f ≈ 0 reached at something other than a minimum."""
    kind = calculus.stationary_kind(curvature.definiteness)
    if k == 0:
        gradient = "∇f = 0" if norm == 0 else f"‖∇f‖ = {norm:.2g} ≤ tol {tol:g}"
        what = {"saddle": "a saddle", "maximum": "a maximum"}.get(
            kind, "a degenerate stationary point (the second-derivative test is "
                  "inconclusive, and f falls along some direction sampled around it)")
        return (f"Started at a stationary point ({gradient}), but {what}: the Hessian is "
                f"{curvature.definiteness}. Descent cannot leave it; start elsewhere.")
    return (f"Stopped at a stationary point after {counted(k, 'step')}, but it is a {kind}, "
            f"not a minimum (the Hessian is {curvature.definiteness}); start elsewhere.")


def _met_tolerance(k: int, norm: float, tol: float) -> str:
    return (f"Started with ‖∇f‖ = {norm:.3g} already ≤ tol {tol:g}" if k == 0 else
            f"Stopped after {counted(k, 'step')} with ‖∇f‖ = {norm:.3g} ≤ tol {tol:g}")


def _model_minimum(distance: float) -> str:
    if np.isfinite(distance):
        return f"puts a minimum {distance:.3g} away"
    return "has no minimum along that line"


def too_flat_sentence(k: int, norm: float, tol: float, model: Model, curvature: str) -> str:
    """‖∇f‖ ≤ tol where f still falls along −∇f and its model's minimum lies far off (one run:
    `model`'s arrays hold one entry; `curvature` names λmax, or f's curvature along ∇f)."""
    return (f"{_met_tolerance(k, norm, tol)}, but x is no minimum at f's own scale: f still "
            f"falls along −∇f (from {model.here[0]:.4g} to {model.there[0]:.4g} a distance "
            f"{model.reach[0]:.3g} further), and its quadratic model "
            f"{_model_minimum(model.distance[0])}. ‖∇f‖ is small because f is flat here (its "
            f"curvature, {curvature}, is small too), not because x is a minimum: the "
            "tolerance is absolute. Use one at f's scale to keep descending, e.g. --tol "
            f"{norm * max(tol, 1e-12):.2g}; f may have no minimum this way.")


def _flat(problem: Problem, x: np.ndarray, k: int, norm: float, tol: float) -> str:
    """The sentence for ‖∇f‖ ≤ tol where f is flat rather than at a minimum."""
    curvature = _curvature_at(problem, x)
    if curvature is not None and norm > 0:
        n = x.size
        matrix = evaluate(problem.hessian_function, x[None, :]).reshape(1, n, n)
        definite = calculus.stationary_kind(curvature.definiteness) == "minimum"
        model = _model(problem, x[None, :], matrix, np.array([definite]))
        if too_flat(model).all():
            return too_flat_sentence(k, norm, tol, model,
                                     f"λmax = {curvature.eigenvalues[-1]:.3g}")
    where = "the start" if k == 0 else "x"
    hessian = curvature.definiteness if curvature else "undefined"
    return (f"{_met_tolerance(k, norm, tol)}, on a plateau: the Hessian is {hessian} and f does "
            f"not change (by even 1e-308) anywhere sampled around {where}, so descent cannot "
            "move (the vanishing gradient); start nearer a minimum.")


class Model(NamedTuple):
    """Where f's local quadratic model puts its minimum, and whether f agrees."""

    distance: np.ndarray  # ‖H⁻¹∇f‖ (or along −∇f only): how far the model's minimum lies
    reach: np.ndarray  # FLAT_DISTANCE·max(1, ‖x‖): what counts as here
    here: np.ndarray  # f(x)
    there: np.ndarray  # f a distance `reach` further along −∇f


def _model(problem: Problem, points: np.ndarray, matrices: np.ndarray,
           definite: np.ndarray) -> Model:
    """How far f's quadratic model puts its minimum — the Newton step's length where the
    Hessian is positive definite, else the minimum along −∇f (inf where it curves down or not
    at all) — and f sampled along −∇f at the distance that still counts as here."""
    at = _evaluate(problem, points)
    distance = np.full(len(points), np.inf)
    with np.errstate(all="ignore"):
        if definite.any():
            newton = np.linalg.solve(matrices[definite], at.gradient[definite][..., None])
            distance[definite] = np.linalg.norm(newton[..., 0], axis=1)
        u = at.gradient / at.norm[:, None]
        along = np.einsum("bi,bij,bj->b", u, matrices, u)
        distance[~definite] = np.where(along > 0, at.norm / along, np.inf)[~definite]
        reach = FLAT_DISTANCE * np.maximum(1.0, np.linalg.norm(points, axis=1))
        ahead = points - reach[:, None] * u
    there = _evaluate(problem, np.where(np.isfinite(ahead), ahead, points)).f
    return Model(distance, reach, at.f, there)


def too_flat(model: Model) -> np.ndarray:
    """‖∇f‖ met the tolerance, yet the model's minimum lies beyond what counts as here and
    f really does fall that far along −∇f: f is flat, x is no minimum at f's own scale."""
    with np.errstate(invalid="ignore"):
        return (model.distance > model.reach) & (model.there < model.here)


def _gradient_stops(problem: Problem, points: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """The status of runs whose ‖∇f‖ met the tolerance (all runs in one call): converged at a
    minimum; stationary at a saddle, a maximum, or a degenerate point where f falls somewhere
    around; flat where f does not change around x or still falls along −∇f beyond FLAT_DISTANCE.

    Around a degenerate point (the second-derivative test is inconclusive) f is sampled: where
    it does not change, the run is flat; where it falls somewhere, a start is stationary but a
    point reached later converged (descent approaching a flat minimum such as x⁴'s comes near
    it, not onto it) — unless ∇f ≠ 0 and f falls along −∇f beyond FLAT_DISTANCE: then flat.
    """
    count, n = points.shape
    statuses = np.empty(count, dtype=object)
    statuses[:] = Status.converged  # (np.full would store the plain string)
    if not count:
        return statuses
    matrices = evaluate(problem.hessian_function, points).reshape(count, n, n)
    finite = np.isfinite(matrices).all(axis=(1, 2)) & np.isfinite(points).all(axis=1)
    kinds = np.full(count, "", dtype=object)
    if finite.any():
        definite = calculus.definiteness(calculus.eigenvalues_of(matrices[finite]))
        kinds[finite] = [calculus.stationary_kind(str(d)) for d in definite]
    statuses[np.isin(kinds, ["saddle", "maximum"])] = Status.stationary
    degenerate = np.flatnonzero(kinds == "degenerate")
    shapes = sampled_shapes(problem, points[degenerate])
    at_start = steps[degenerate] == 0  # later, x is only near the point, and sampling sees it
    statuses[degenerate[at_start & (shapes == "falls")]] = Status.stationary
    statuses[degenerate[shapes == "flat"]] = Status.flat
    falls = degenerate[shapes == "falls"]
    candidates = np.concatenate([np.flatnonzero(kinds == "minimum"), falls])
    moving = candidates[_evaluate(problem, points[candidates]).norm > 0]
    if len(moving):
        model = _model(problem, points[moving], matrices[moving], kinds[moving] == "minimum")
        statuses[moving[too_flat(model)]] = Status.flat
    return statuses


def sampled_shapes(problem: Problem, points: np.ndarray) -> np.ndarray:
    """How f behaves around each point along ±each axis and 8 seeded directions, at three
    radii: it is 'flat' (f changes by less than the smallest normal float anywhere: such
    changes are underflow's, where exp(-800) has lost even the sign of a product), 'falls'
    somewhere, or 'rises' (f ≥ f(x) everywhere). Points are taken SHAPE_CHUNK at a time."""
    count, n = points.shape
    directions = np.vstack([np.eye(n), -np.eye(n),
                            np.random.default_rng(0).normal(size=(8, n))])
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    shapes = np.empty(count, dtype=object)
    for first in range(0, count, SHAPE_CHUNK):
        x = points[first:first + SHAPE_CHUNK]
        radii = np.array([1e-2, 1e-4, 1e-6])[None, :] * np.maximum(
            1.0, np.linalg.norm(x, axis=1))[:, None]
        around = x[:, None, None, :] + radii[:, :, None, None] * directions[None, None, :, :]
        values = _evaluate(problem, around.reshape(-1, n)).f.reshape(len(x), -1)
        here = _evaluate(problem, x).f[:, None]
        change = values - here
        flat = (np.abs(change) < UNDERFLOW).all(axis=1)
        falls = ~flat & (~np.isfinite(values).all(axis=1) | (change < 0).any(axis=1))
        shapes[first:first + SHAPE_CHUNK] = np.where(falls, "falls",
                                                     np.where(flat, "flat", "rises"))
    return shapes


def converged_sentence(reason: str, k: int, norm: float, stop: StopRules, moved: float) -> str:
    steps = counted(k, "step")
    if reason == "gradient":
        return f"Converged: ‖∇f‖ = {norm:.2e} ≤ tol {stop.tol:g} after {steps}."
    if reason == "step":
        return (f"Converged: the step {moved:.2e} ≤ --step-tol {stop.step_tol:g} after {steps} "
                f"(‖∇f‖ = {norm:.2e}).")
    return f"Converged: f changed by less than --f-tol {stop.f_tol:g} after {steps}."


_STATUS_BY_REASON = {
    "gradient": Status.converged,
    "step": Status.converged,
    "value": Status.converged,
    "max_steps": Status.max_steps,
    "interrupted": Status.interrupted,
}


class Outcomes(Sequence[Result]):
    """Every run of a batch: statuses and final points as columns, decided for all runs at once;
    one run's Result (its sentence and history) is built only when it is asked for."""

    def __init__(self, problem: Problem, plans: Sequence[Plan], lr: np.ndarray,
                 starts: np.ndarray, stop: StopRules, stopped: Stopped):
        self.problem, self.plans, self.lr, self.starts = problem, plans, lr, starts
        self.stop, self.stopped = stop, stopped
        self.record = self._record()
        self.iterations = stopped.iterations
        reasons = np.array(stopped.reasons, dtype=object)
        self.status = np.full(len(reasons), Status.diverged, dtype=object)
        for reason, status in _STATUS_BY_REASON.items():
            self.status[reasons == reason] = status
        at_gradient = np.flatnonzero(reasons == "gradient")
        self.status[at_gradient] = _gradient_stops(problem, stopped.x[at_gradient],
                                                   self.iterations[at_gradient])
        self.x = stopped.x.copy()
        self.failures = np.flatnonzero(reasons == "nonfinite")  # sentences built when asked
        statuses, points = _failure_verdicts(problem, starts[self.failures],
                                             self.iterations[self.failures],
                                             stopped.x[self.failures],
                                             stopped.previous[self.failures])
        self.status[self.failures] = statuses
        self.x[self.failures] = points
        self._find_unbounded()
        reported = _evaluate(problem, self.x)
        self.f, self.gradient, self.grad_norm = reported.f, reported.gradient, reported.norm
        self.function = plain(problem.function)

    def evidence(self, run: int) -> Evidence:
        return evidence_of(History(self.record, run, int(self.iterations[run])))

    def _find_unbounded(self) -> None:
        """Runs that went down a function without a minimum: their own status, whether they
        used all their steps or ‖∇f‖ passed its limit on the way (up to MANY_RUNS runs side by
        side; a batch of many starts groups its runs by where they end instead)."""
        if len(self) > MANY_RUNS:
            return
        candidates = np.flatnonzero(np.isin(self.status, [Status.max_steps, Status.diverged]))
        for run in candidates:
            if unbounded(self.evidence(int(run))):
                self.status[run] = Status.unbounded

    def _record(self) -> Record:
        recorder, (count, n) = self.stopped.recorder, self.starts.shape
        rows = len(recorder.steps)
        steps = np.array(recorder.steps)
        points = np.asarray(recorder.points, dtype=float).reshape(rows, count, n)
        before = np.asarray(recorder.previous, dtype=float).reshape(rows, count, n)
        rates = np.array([np.broadcast_to(rate, (count,)) for rate, _ in recorder.extras],
                         dtype=float)
        marks = np.array([np.broadcast_to(mark, (count,)) for _, mark in recorder.extras],
                         dtype=bool)
        recorded = _evaluate(self.problem, points.reshape(-1, n))
        with np.errstate(all="ignore"):
            moved = np.sqrt(np.sum((points - before) ** 2, axis=2))
        return Record(steps, points, recorded.f.reshape(rows, count),
                      recorded.norm.reshape(rows, count), moved, rates, marks)

    def __len__(self) -> int:
        return len(self.status)

    def _note(self, run: int) -> str:
        """What the method's safeguards did, when they did anything."""
        marked, k = int(self.stopped.marked[run]), int(self.iterations[run])
        if not marked:
            return ""
        if self.plans[run].rule.name == "newton":
            return (f" The Hessian was not positive definite at {marked} of {k} steps; those "
                    "steps used H + μI.")
        return f" The gradient was clipped at {marked} of {k} steps."

    def _max_steps(self, run: int, k: int) -> str:
        plan = self.plans[run]
        if k < self.stop.steps and plan.schedule.zero_from(self.stop.steps) == k:
            return schedule_stop(k, self.stop.steps, plan.schedule.spec,
                                 float(self.grad_norm[run]))
        rule = plan.rule.name if plan.schedule.constant and not plan.line_search else "other"

        def bound_at(x: np.ndarray) -> float | None:
            curvature = _curvature_at(self.problem, x)
            return None if curvature is None else curvature.stability_bound

        def minimum_at(x: np.ndarray) -> bool:
            curvature = _curvature_at(self.problem, x)
            return curvature is not None and curvature.definiteness == "positive definite"

        evidence = self.evidence(run)
        text = max_steps_diagnosis(evidence, float(self.lr[run]), self.stop.tol, rule, bound_at,
                                   minimum_at, accumulating=plan.transforms.accumulate)
        return text + (_newton_jump(evidence) if plan.rule.name == "newton"
                       and not plan.line_search else "")

    def message(self, run: int) -> str:
        status, k = self.status[run], int(self.iterations[run])
        if status is Status.unbounded:
            text = unbounded_sentence(self.evidence(run))
        elif run in self.failures:
            text = _failure(self.problem, float(self.lr[run]), self.starts[run], k,
                            self.stopped.x[run], self.stopped.previous[run]).message
        elif status is Status.interrupted:
            text = f"Interrupted ({interrupts.cause()}) at step {k}; the steps so far are kept."
        elif status is Status.max_steps:
            text = self._max_steps(run, k)
        elif status is Status.stationary:
            curvature = _curvature_at(self.problem, self.x[run])
            text = _stationary(curvature, k, float(self.grad_norm[run]), self.stop.tol)
        elif status is Status.flat:
            text = _flat(self.problem, self.x[run], k, float(self.grad_norm[run]), self.stop.tol)
        else:
            moved = float(np.linalg.norm(self.stopped.x[run] - self.stopped.previous[run]))
            text = converged_sentence(self.stopped.reasons[run], k, float(self.grad_norm[run]),
                              self.stop, moved) + self._higher_order(run, k) + \
                self._elsewhere(run)
        return text + self._jump(run) + self._note(run)

    def _jump(self, run: int) -> str:
        """A step that leapt over a pole of f, which the status alone would hide."""
        evidence = self.evidence(run)
        jump = first_jump(self.problem, evidence.k, evidence.x, evidence.f)
        if jump is None:
            return ""
        height = "f is undefined" if not np.isfinite(jump.height) else \
            f"|f| passes {jump.height:.3g}"
        return (f" On the way, step {jump.step} jumped over a point where f blows up: from "
                f"{_point(jump.before)} to {_point(jump.after)} (f from {jump.f_before:.4g} to "
                f"{jump.f_after:.4g}), and between them {height} near {_point(jump.pole)}. The run "
                "went on from the far side of it.")

    def _higher_order(self, run: int, k: int) -> str:
        """A start where the second-derivative test is inconclusive but f rises all around."""
        if k:
            return ""
        curvature = _curvature_at(self.problem, self.x[run])
        if curvature is None or calculus.stationary_kind(curvature.definiteness) != "degenerate":
            return ""
        return (f" The second-derivative test is inconclusive here (the Hessian is "
                f"{curvature.definiteness}), but f rises in every direction sampled around "
                "the start: a minimum (a flat one, as x⁴ has at 0).")

    def _elsewhere(self, run: int) -> str:
        """Where the library knows a lower minimum than the one reached, say so."""
        entry = self.problem.entry
        if entry is None or not entry.minima:
            return ""
        x, f = self.x[run], float(self.f[run])
        best = min(entry.minima, key=lambda point: point.value)
        where = ", ".join(f"{v:.6g}" for v in best.point)
        if any(not low <= v <= high for v, (low, high) in zip(x, entry.domain, strict=True)):
            box = " × ".join(f"[{low:g}, {high:g}]" for low, high in entry.domain)
            return (f" The point reached lies outside {entry.name}'s domain {box}; within it, "
                    f"the global minimum is f = {best.value:.6g} at ({where}).")
        if f <= best.value + 1e-6 * max(1.0, abs(best.value)):
            return ""
        return (f" This is not {entry.name}'s global minimum: that is f = {best.value:.6g} at "
                f"({where}); try another start, or --starts random:500 to map the basins.")

    @overload
    def __getitem__(self, run: int) -> Result: ...

    @overload
    def __getitem__(self, run: slice) -> Sequence[Result]: ...

    def __getitem__(self, run):
        if isinstance(run, slice):
            return [self[i] for i in range(*run.indices(len(self)))]
        run = range(len(self))[run]
        k = int(self.iterations[run])
        plan = self.plans[run]
        return Result(
            function=self.function,
            variables=self.problem.names,
            method=plan.rule.name,
            params=reported_params(plan, float(self.lr[run])),
            start=tuple(self.starts[run].tolist()),
            status=self.status[run],
            message=self.message(run),
            x=tuple(self.x[run].tolist()),
            f=float(self.f[run]),
            gradient=tuple(self.gradient[run].tolist()),
            grad_norm=float(self.grad_norm[run]),
            iterations=k,
            evaluations=int(self.stopped.evaluations[run]),
            history=History(self.record, run, k, history_columns(plan)),
            name=self.problem.entry.name if self.problem.entry else None,
        )
