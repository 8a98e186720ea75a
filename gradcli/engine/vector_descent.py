"""Descent on a vector function at any n: every step on whole (B, N) arrays.

The optimizer rules are elementwise text, so they run unchanged on whole arrays (`fusion.
fuse_array_update`); nothing loops over coordinates in Python. Newton is truncated: conjugate
gradients on Hessian-vector products (O(n) memory), then an Armijo line search. The history
keeps, per recorded step, f, ‖∇f‖, the step length and a summary of x (each scalar; min, mean
and max of each vector), never n numbers per step unless `record_x` asks for them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

from gradcli import interrupts
from gradcli.counts import counted
from gradcli.engine.diagnosis import (
    evidence_of,
    max_steps_diagnosis,
    schedule_stop,
    unbounded,
    unbounded_sentence,
)
from gradcli.engine.fusion import fuse_array_update
from gradcli.engine.indexed import VectorProblem
from gradcli.engine.loop import (
    GRADIENT_LIMIT_SQUARED,
    PROGRESS_EVERY,
    Progress,
    StopRules,
    until_rate_vanishes,
)
from gradcli.engine.outcome import (
    FLAT_DISTANCE,
    Model,
    converged_sentence,
    reported_params,
    stability_hint,
    too_flat,
    too_flat_sentence,
)
from gradcli.engine.plan import Plan
from gradcli.engine.recorder import Recorder
from gradcli.engine.result import History, Record, Result, Status, VectorShape
from gradcli.errors import InputError
from gradcli.symbolic.budget import paused
from gradcli.symbolic.calculus import gradient_hides_domain
from gradcli.symbolic.indexed import entry_name
from gradcli.symbolic.printing import plain

STATISTICS = ("min", "mean", "max")
RECORD_BYTES = 1 << 30  # --record-x keeps at most this much
RECORD_ROWS = 200  # rows of the summary record (runs × steps) before thinning: each costs
# five passes over x (its summary and the step length)
ARMIJO = 1e-4
HALVINGS = 60
CG_LIMIT = 200  # conjugate-gradient iterations per Newton step


def shape_of(problem: VectorProblem) -> VectorShape:
    f = problem.function
    summary = (*f.scalars, *(f"{stat} {v}" for v in f.vectors for stat in STATISTICS))
    coordinates = (*f.scalars, *(entry_name(v, "1..n") for v in f.vectors))
    return VectorShape(problem.n, coordinates, summary)


def summarise(problem: VectorProblem, X: np.ndarray) -> np.ndarray:
    """(B, S): each scalar, then min, mean and max of each vector."""
    f, n = problem.function, problem.n
    columns = [X[:, k] for k in range(len(f.scalars))]
    for vector in f.vectors:
        start = f.vector_offset(vector, n)
        block = X[:, start:start + n]
        columns += [block.min(axis=1), block.mean(axis=1), block.max(axis=1)]
    return np.column_stack(columns)


def check_record_x(problem: VectorProblem, runs: int, steps: int, every: int | None) -> None:
    """Refuse --record-x when the whole points would not fit in RECORD_BYTES."""
    rows = min(steps // (every or 1) + 2, steps + 1) if every else RECORD_ROWS + 1
    size = rows * runs * problem.size * 8
    if size > RECORD_BYTES:
        raise InputError(f"--record-x would keep {rows} × {runs * problem.size} numbers "
                         f"({size / 2**30:.1f} GiB); the limit is 1 GiB: record fewer steps "
                         "with --record-every K, or drop --record-x.")


class _Group(NamedTuple):
    """Runs that share a plan: their rows, their step's rule and their state."""

    runs: np.ndarray
    plan: Plan
    update: Callable | None  # None for Newton and line searches
    state: list


def _groups(plans: Sequence[Plan], count: int) -> list[_Group]:
    groups = []
    for plan_id in dict.fromkeys(id(p) for p in plans):
        runs = np.array([i for i, p in enumerate(plans) if id(p) == plan_id])
        plan = plans[runs[0]]
        elementwise = plan.compiled
        state = [0.0] * len(plan.rule.state) if elementwise else []
        groups.append(_Group(runs, plan, fuse_array_update(plan) if elementwise else None,
                             [state, 0.0]))  # [rule state, accumulated gradient]
    return groups


def _transform(plan: Plan, G: np.ndarray, group: _Group, rng) -> tuple[np.ndarray, np.ndarray]:
    """Noise, accumulation, clipping (value, then norm of the whole vector); which rows clipped."""
    t = plan.transforms
    clipped = np.zeros(G.shape[0], dtype=bool)
    if t.noise is not None:
        G = G + t.noise * rng.standard_normal(G.shape)
    if t.accumulate:
        group.state[1] = G = group.state[1] + G
    if t.clip_value is not None:
        limited = np.clip(G, -t.clip_value, t.clip_value)
        clipped |= (limited != G).any(axis=1)
        G = limited
    if t.clip_norm is not None:
        norm = np.sqrt(np.einsum("ij,ij->i", G, G))
        over = norm > t.clip_norm
        clipped |= over
        G = G * np.where(over, t.clip_norm / np.where(over, norm, 1.0), 1.0)[:, None]
    return G, clipped


def newton_direction(problem: VectorProblem, x: np.ndarray, g: np.ndarray) -> tuple[np.ndarray,
                                                                                   bool]:
    """Truncated Newton: CG on H·p = −g until ‖r‖ ≤ min(0.5, √‖g‖)·‖g‖; at negative curvature
    stop with the last direction of descent (−g on the first iteration). Returns (p, met)."""
    norm = float(np.linalg.norm(g))
    target = min(0.5, np.sqrt(norm)) * norm
    p = np.zeros_like(x)
    r = -g
    d = r.copy()
    rr = float(r @ r)
    for iteration in range(CG_LIMIT):
        Hd = problem.hessian_vector(x, d)
        curvature = float(d @ Hd)
        if not curvature > 1e-12 * float(d @ d):
            return (d if iteration == 0 else p), True
        alpha = rr / curvature
        p = p + alpha * d
        r = r - alpha * Hd
        new = float(r @ r)
        if np.sqrt(new) <= target:
            break
        d = r + (new / rr) * d
        rr = new
    return p, False


def _line_search(problem: VectorProblem, x: np.ndarray, f: float, g: np.ndarray,
                 direction: np.ndarray, start: float) -> tuple[float, int]:
    """Armijo backtracking from `start`: the accepted α (0 if none) and f-evaluations used."""
    slope = float(g @ direction)
    alpha = start
    for trial in range(1, HALVINGS + 1):
        value = float(problem.value((x + alpha * direction)[None, :])[0])
        if value <= f + ARMIJO * alpha * slope:
            return alpha, trial
        alpha /= 2
    return 0.0, HALVINGS


def _searched_step(problem, plan: Plan, X, f, G, lr, rows):
    """Newton (truncated) or gd with line search, one run at a time."""
    new = X.copy()
    rates, marks, calls = np.zeros(len(rows)), np.zeros(len(rows), dtype=bool), np.ones(len(rows))
    for position, row in enumerate(rows):
        x, g = X[row], G[row]
        if plan.rule.name == "newton":
            direction, marks[position] = newton_direction(problem, x, g)
        else:
            direction = -g
        rate = float(np.broadcast_to(lr, (X.shape[0],))[row])
        alpha, trials = _line_search(problem, x, float(f[row]), g, direction, rate)
        new[row] = x + alpha * direction
        rates[position], calls[position] = alpha, 1 + trials
    return new, rates, marks, calls


class _Run(NamedTuple):
    reasons: list[str]
    iterations: np.ndarray
    x: np.ndarray
    previous: np.ndarray
    evaluations: np.ndarray
    marked: np.ndarray
    record: Record


def _needs_value(problem: VectorProblem, stop: StopRules) -> bool:
    """Every step needs f only for --f-tol, or where ∇f hides f's domain (log, acosh, atanh)."""
    f = problem.function
    return stop.f_tol is not None or any(
        gradient_hides_domain(e) for e in (f.rest, *(t.summand for t in f.terms)))


def _loop(problem: VectorProblem, starts: np.ndarray, lr: np.ndarray, plans: Sequence[Plan],
          stop: StopRules, record_every: int | None, progress: Progress | None,
          record_x: bool) -> _Run:
    count = starts.shape[0]
    X = starts.astype(float)
    previous = X
    groups = _groups(plans, count)
    whole = len(groups) == 1
    noisy = [g for g in groups if g.plan.transforms.noise is not None]
    rng = np.random.default_rng(noisy[0].plan.transforms.seed) if noisy else None
    schedules = [g.plan.schedule.function() for g in groups]
    every_value = _needs_value(problem, stop) or any(g.update is None for g in groups)
    active = np.ones(count, dtype=bool)
    reasons = [""] * count
    iterations = np.zeros(count, dtype=np.int64)
    evaluations = np.zeros(count, dtype=np.int64)
    marked = np.zeros(count, dtype=np.int64)
    final_x, final_previous = X.copy(), X.copy()
    rate, clipped = np.full(count, np.nan), np.zeros(count, dtype=bool)
    last_f = np.full(count, np.inf)
    recorder = Recorder(record_every, max(8, RECORD_ROWS // count))
    finals: dict[int, tuple] = {}
    k, due = 0, 0

    def row(f, norm) -> tuple:
        """What the record keeps of step k: summary, f, ‖∇f‖, step length, rate, clipped."""
        moved = np.sqrt(np.einsum("ij,ij->i", X - previous, X - previous)) if k else \
            np.full(count, np.nan)
        return (summarise(problem, X), f, norm, moved, rate.copy(), clipped.copy(),
                np.sqrt(np.einsum("ij,ij->i", X, X)), X.copy() if record_x else None)

    def finish(which, reason, f, norm):
        if not which.any():
            return
        kept = row(f if f is not None else problem.value(X), norm)
        for index in np.flatnonzero(which):
            reasons[index] = reason
            finals[int(index)] = tuple(None if part is None else part[index] for part in kept)
        iterations[which] = k
        final_x[which] = X[which]
        final_previous[which] = previous[which]
        active[which] = False

    try:
        with np.errstate(all="ignore"):
            while True:
                if interrupts.flag[0]:  # Ctrl-C, acted on here between two whole steps
                    raise KeyboardInterrupt
                if every_value or k == due:
                    f, G = problem.gradient(X, with_value=True)
                else:
                    f, G = None, problem.gradient(X)
                evaluations[active] += 1
                squared = np.einsum("ij,ij->i", G, G)
                norm = np.sqrt(squared)
                if not squared.max() <= GRADIENT_LIMIT_SQUARED or (
                        every_value and not np.isfinite(f).all()):
                    bad = ~(squared <= GRADIENT_LIMIT_SQUARED)
                    if every_value:
                        bad |= ~np.isfinite(f)
                    finish(active & bad, "nonfinite", f, norm)
                if k == due:
                    due = recorder(k, row(f, norm), None, None)
                if not squared.min() > stop.tol**2:
                    finish(active & (squared <= stop.tol**2), "gradient", f, norm)
                if stop.f_tol is not None:  # (f is computed every step then)
                    finish(active & (np.abs(f - last_f) <= stop.f_tol * (1 + np.abs(f))),
                           "value", f, norm)
                    last_f = f
                if k == stop.steps:
                    finish(active.copy(), "max_steps", f, norm)
                if not active.any():
                    break
                if progress is not None and k % PROGRESS_EVERY == 0:
                    progress(k)
                new = None if whole else X.copy()
                for group, multiplier in zip(groups, schedules, strict=True):
                    runs, plan = group.runs, group.plan
                    eta = lr[runs] * multiplier(k)
                    if group.update is None:
                        stepped, used, marks, calls = _searched_step(problem, plan, X, f, G, eta,
                                                                     runs)
                        rate[runs], clipped[runs] = used, marks
                        evaluations[runs] += np.where(active[runs], calls - 1, 0).astype(int)
                        stepped = stepped[runs]
                    else:
                        g, clips = _transform(plan, G[runs] if not whole else G, group, rng)
                        stepped, state = group.update(X[runs] if not whole else X, g,
                                                      eta[:, None], k + 1, tuple(group.state[0]))
                        group.state[0] = list(state)
                        rate[runs], clipped[runs] = eta, clips
                    if whole:
                        new = stepped
                    else:
                        new[runs] = stepped
                previous, X = X, new
                marked[active] += clipped[active]
                k += 1
                if stop.step_tol is not None:
                    moved = np.sqrt(np.einsum("ij,ij->i", X - previous, X - previous))
                    finish(active & (moved <= stop.step_tol), "step", f, norm)
    except KeyboardInterrupt:
        interrupts.consume()
        f, G = problem.gradient(X, with_value=True)
        finish(active.copy(), "interrupted", f, np.sqrt(np.einsum("ij,ij->i", G, G)))
    last = tuple(None if column[0] is None else np.array(column)
                 for column in zip(*(finals[i] for i in range(count)), strict=True))
    recorder.finish(int(iterations.max()), last, None, None)
    kept = recorder.points
    columns = [np.array([entry[c] for entry in kept]) for c in range(7)]
    full = np.array([entry[7] for entry in kept]) if record_x else None
    return _Run(reasons, iterations, final_x, final_previous, evaluations, marked,
                Record(np.array(recorder.steps), *columns[:6], full=full, radius=columns[6]))


def _bound(problem: VectorProblem, x: np.ndarray) -> float | None:
    extremes = problem.extreme_eigenvalues(x)
    if extremes is None or not extremes[1] > 0:
        return None
    return 2 / extremes[1]


def _max_steps(problem: VectorProblem, run: _Run, index: int, lr: float, start: np.ndarray,
               stop: StopRules, plan: Plan) -> str:
    """The step limit's diagnosis (see `diagnosis`), read from the summarised record: its rows
    stand in for x in the tests of movement; the curvature is taken at the true start and end."""
    k = int(run.iterations[index])
    if k < stop.steps and plan.schedule.zero_from(stop.steps) == k:
        norm = float(np.linalg.norm(problem.gradient(run.x[index][None, :])[0]))
        return schedule_stop(k, stop.steps, plan.schedule.spec, norm)
    evidence = evidence_of(History(run.record, index, k))
    end = run.x[index]

    def actual(row: np.ndarray) -> np.ndarray:
        return start if np.array_equal(row, evidence.x[0]) and k else end

    def bound_at(row: np.ndarray) -> float | None:
        return _bound(problem, actual(row))

    def minimum_at(row: np.ndarray) -> bool:
        extremes = problem.extreme_eigenvalues(actual(row))
        return extremes is not None and extremes[0] > 1e-8 * max(abs(extremes[0]),
                                                                 abs(extremes[1]))

    rule = plan.rule.name if plan.schedule.constant else "other"
    return max_steps_diagnosis(evidence, lr, stop.tol, rule, bound_at, minimum_at,
                               shows_x=run.record.full is not None,
                               accumulating=plan.transforms.accumulate)


def _along_gradient(problem: VectorProblem, x: np.ndarray) -> Model | None:
    """f's quadratic model along −∇f (a Hessian-vector product, no n × n matrix): where its
    minimum lies on that line, and f sampled there at FLAT_DISTANCE (see `outcome.too_flat`)."""
    g = problem.gradient(x[None, :])[0]
    norm = float(np.linalg.norm(g))
    if not norm > 0:
        return None
    u = g / norm
    curvature = float(u @ problem.hessian_vector(x, u))
    reach = FLAT_DISTANCE * max(1.0, float(np.linalg.norm(x)))
    values = problem.value(np.vstack([x, x - reach * u]))
    distance = norm / curvature if curvature > 0 else np.inf
    return Model(np.array([distance]), np.array([reach]), values[:1], values[1:])


def _message(problem: VectorProblem, run: _Run, index: int, lr: float, start: np.ndarray,
             stop: StopRules, plan: Plan) -> tuple[Status, str, np.ndarray]:
    reason, k = run.reasons[index], int(run.iterations[index])
    x, previous = run.x[index], run.previous[index]
    summary = lambda point: ", ".join(  # noqa: E731
        f"{label} = {value:.6g}" for label, value in
        zip(shape_of(problem).summary, summarise(problem, point[None, :])[0], strict=True))
    if reason == "interrupted":
        return Status.interrupted, (f"Interrupted ({interrupts.cause()}) at step {k}; the steps "
                                    "so far are kept."), x
    if reason in ("max_steps", "nonfinite"):  # judged as the scalar engine judges: by ‖x‖ and f
        evidence = evidence_of(History(run.record, index, k))
        if unbounded(evidence):
            return Status.unbounded, unbounded_sentence(evidence), x
    if reason == "max_steps":
        return Status.max_steps, _max_steps(problem, run, index, lr, start, stop, plan), x
    if reason == "nonfinite":
        if not np.isfinite(x).all():
            return Status.diverged, (f"Diverged at step {k}: the iterate overflowed; the last "
                                     f"finite point has {summary(previous)}. "
                                     f"{stability_hint(lr, _bound(problem, start), None)}"), \
                previous
        value = problem.value(x[None, :])[0]
        if np.isfinite(value) and np.linalg.norm(x) < 1e10 * max(1.0, np.linalg.norm(start)):
            where = "the start" if k == 0 else f"step {k}"
            return Status.domain_error, (f"Domain error at {where}: f or ∇f is undefined at the "
                                         f"point with {summary(x)}."), x if k == 0 else previous
        if np.isfinite(value):
            return Status.diverged, (f"Diverged at step {k}: ‖∇f‖ exceeded 1e100. "
                                     f"{stability_hint(lr, _bound(problem, start), None)}"), x
        where = "the start" if k == 0 else f"step {k}"
        return Status.domain_error, (f"Domain error at {where}: f is undefined at the point with "
                                     f"{summary(x)}."), x if k == 0 else previous
    norm = float(np.linalg.norm(problem.gradient(x[None, :])[0]))
    moved = float(np.linalg.norm(x - previous))
    if reason == "gradient":
        extremes = problem.extreme_eigenvalues(x)
        if extremes is not None:
            low, high = extremes
            scale = max(abs(low), abs(high))
            if low < -1e-8 * scale:
                kind = "maximum" if high < 1e-8 * scale else "saddle"
                where = "Started at a stationary point" if k == 0 else \
                    f"Stopped at a stationary point after {counted(k, 'step')}"
                return Status.stationary, (
                    f"{where} (‖∇f‖ = {norm:.2e}), but it is a {kind}, not a minimum (λmin of the "
                    f"Hessian is {low:.4g}); start elsewhere."), x
        model = _along_gradient(problem, x)
        if model is not None and too_flat(model).all():
            curvature = f"{norm / model.distance[0]:.3g} along ∇f"
            return Status.flat, too_flat_sentence(k, norm, stop.tol, model, curvature), x
    return Status.converged, converged_sentence(reason, k, norm, stop, moved), x


def descend_vectors(problem: VectorProblem, starts: np.ndarray, lr: float | np.ndarray,
                    plans: Plan | Sequence[Plan], stop: StopRules,
                    record_every: int | None = None, progress: Progress | None = None,
                    record_x: bool = False) -> list[Result]:
    """Run from every row of `starts` (B, N); one Result per row, histories summarised."""
    count = starts.shape[0]
    plans = [plans] * count if isinstance(plans, Plan) else list(plans)
    rates = np.array(np.broadcast_to(np.asarray(lr, dtype=float), (count,)))
    if record_x:
        check_record_x(problem, count, stop.steps, record_every)
    asked, stop = stop, until_rate_vanishes(plans, stop)
    shape = shape_of(problem)
    function = plain(problem.function.expression)
    with paused():  # stepping and the closing diagnosis are numeric work, bounded by n and steps
        run = _loop(problem, starts, rates, plans, stop, record_every, progress, record_x)
        return _results(problem, run, starts, rates, plans, asked, shape, function)


def _results(problem: VectorProblem, run, starts: np.ndarray, rates: np.ndarray,
             plans: Sequence[Plan], stop: StopRules, shape, function: str) -> list[Result]:
    results = []
    for index, plan in enumerate(plans):
        status, message, x = _message(problem, run, index, float(rates[index]), starts[index],
                                      stop, plan)
        marks = int(run.marked[index])
        k = int(run.iterations[index])
        if marks and plan.rule.name == "newton":
            message += (f" Conjugate gradients met negative curvature at {marks} of {k} steps; "
                        "those steps used the last descent direction found.")
        elif marks:
            message += f" The gradient was clipped at {marks} of {k} steps."
        f, G = problem.gradient(x[None, :], with_value=True)
        columns = _columns(plan)
        results.append(Result(
            function=function, variables=shape.coordinates,
            method=plan.rule.name, params=reported_params(plan, float(rates[index])),
            start=tuple(starts[index].tolist()), status=status, message=message,
            x=tuple(x.tolist()), f=float(f[0]), gradient=tuple(G[0].tolist()),
            grad_norm=float(np.linalg.norm(G[0])), iterations=k,
            evaluations=int(run.evaluations[index]),
            history=History(run.record, index, k, columns),
            name=problem.entry.name if problem.entry else None, shape=shape))
    return results


def _columns(plan: Plan) -> tuple[str, ...]:
    columns = ("lr",) if plan.tracks_rate or plan.rule.name == "newton" else ()
    if plan.rule.name == "newton":
        return (*columns, "negative_curvature")
    return (*columns, "clipped") if plan.transforms.clipping else columns
