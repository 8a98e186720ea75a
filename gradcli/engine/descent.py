"""Run methods on a problem from one or many starts: choose the loop, then explain the stops.

One run of a compiled method takes the fused scalar loop. Anything else — many starts, many
learning rates, several methods side by side, noise, Newton, line search — is one batch of the
same engine loop; runs that share a plan share one step function.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from gradcli.engine.fusion import fuse_common_step, fuse_loop, fuse_step, state_size
from gradcli.engine.loop import Progress, StopRules, run_batch, run_fused, until_rate_vanishes
from gradcli.engine.newton import matrix_step
from gradcli.engine.outcome import Outcomes
from gradcli.engine.plan import Plan
from gradcli.engine.problem import Problem
from gradcli.engine.recorder import HEAD, Recorder
from gradcli.errors import InputError
from gradcli.symbolic.budget import paused
from gradcli.symbolic.calculus import gradient_hides_domain

# Default record: up to this many rows in all (runs × steps) before thinning.
RECORD_BUDGET = 2000


def record_limit(runs: int) -> int:
    return max(8, RECORD_BUDGET // runs)


MAX_RECORDED = 5_000_000  # rows × runs × (n + 2) values: about 1 GB as Python rows (≈ 190 B each)


def fitting_stride(runs: int, n: int, steps: int) -> int:
    """The smallest --record-every whose rows fit in about 1 GB (1: every step, when it fits)."""
    fit = MAX_RECORDED // (runs * (n + 2)) - 2  # rows that fit
    return max(1, -(-steps // max(fit, 1)))


def check_record(runs: int, n: int, steps: int, every: int | None) -> None:
    """Refuse a --record-every that would keep more rows than fit in about 1 GB."""
    if every is None:
        return
    rows = steps // every + 2
    values = rows * runs * (n + 2)
    if values > MAX_RECORDED:
        wanted = fitting_stride(runs, n, steps)
        raise InputError(f"--record-every {every} would keep {rows} rows of {runs} "
                         f"run{'s' if runs > 1 else ''} (about {values * 190 / 1e9:.1f} GB); "
                         f"the limit is 1 GB: give --record-every {wanted} or more.")


def _checks_f(problem: Problem, stop: StopRules) -> bool:
    """Does the loop need f itself, beyond ∇f? For --f-tol, or where ∇f hides f's domain."""
    return stop.f_tol is not None or gradient_hides_domain(problem.function)


def _step(problem: Problem, plan: Plan, stop: StopRules) -> tuple[Callable, int]:
    """The batch step for one plan and the number of state arrays it carries."""
    n = len(problem.variables)
    if not plan.compiled:
        return matrix_step(problem, plan), 0
    return fuse_step(problem, plan, _checks_f(problem, stop)), state_size(plan, n)


Part = tuple[np.ndarray, Callable, tuple]  # the runs it steps, its step, its initial state


def _parts(problem: Problem, plans: Sequence[Plan], stop: StopRules) -> list[Part]:
    """Runs that share a plan share a step; several elementwise methods with the same schedule
    and no gradient transforms share the common step (one vectorised update for all)."""
    n = len(problem.variables)
    if len(set(map(id, plans))) == 1:  # one plan for every run (a sweep, many starts)
        step, size = _step(problem, plans[0], stop)
        return [(np.arange(len(plans)), step, tuple(np.zeros(len(plans)) for _ in range(size)))]
    common = [i for i, plan in enumerate(plans) if plan.compiled and not plan.transforms.active]
    shareable = len({id(plans[i]) for i in common}) > 1 \
        and len({plans[i].schedule for i in common}) == 1
    parts: list[Part] = []
    if shareable:
        runs = np.array(common)
        step = fuse_common_step(problem, [plans[i] for i in common], _checks_f(problem, stop))
        parts.append((runs, step, tuple(np.zeros(len(runs)) for _ in range(2 * n))))
    taken = set(common) if shareable else set()
    for plan_id in dict.fromkeys(id(p) for i, p in enumerate(plans) if i not in taken):
        runs = np.array([i for i, p in enumerate(plans) if id(p) == plan_id and i not in taken])
        step, size = _step(problem, plans[runs[0]], stop)
        parts.append((runs, step, tuple(np.zeros(len(runs)) for _ in range(size))))
    return parts


LIVENESS_EVERY = 64  # steps between checks whether a part still has running runs


def _grouped(parts: Sequence[Part], count: int) -> Callable:
    """One step over runs split into parts, each with its own step and state.

    A part whose runs have all stopped is not stepped again: its last outputs are written once
    into base arrays that every later step starts from (a Newton run that converged in six
    steps costs nothing for the rest of the comparison). Liveness is checked every
    LIVENESS_EVERY steps; stepping a finished run is harmless.
    """
    last: dict[int, tuple] = {}
    live = [True] * len(parts)
    base: list[np.ndarray] = []  # ‖∇f‖², the point's columns, the rates

    def settle(n: int) -> None:
        base[:] = [np.empty(count) for _ in range(n + 2)]
        for index, (runs, _, _) in enumerate(parts):
            if not live[index]:
                out = last[index]
                for column, value in zip(base, (out[0], *out[2], out[4]), strict=True):
                    column[runs] = value
                # stopped runs need no f, no clip marks and no evaluations any more
                last[index] = (out[0], None, out[2], out[3], out[4], False, 1)

    def step(x, state, lr, t, noise, active):
        if t % LIVENESS_EVERY == 0:
            now = [bool(active[runs].any()) for runs, _, _ in parts]
            if now != live:
                live[:] = now
                settle(len(x))
        if not base:
            settle(len(x))
        columns = [column.copy() for column in base]
        for index, ((runs, part, _), own) in enumerate(zip(parts, state, strict=True)):
            if index not in last or live[index]:
                last[index] = out = part(tuple(c[runs] for c in x), own,
                                         lr[runs] if np.ndim(lr) else lr, t,
                                         None if noise is None else tuple(z[runs] for z in noise),
                                         active[runs])
                for column, value in zip(columns, (out[0], *out[2], out[4]), strict=True):
                    column[runs] = value
        outputs = [last[i] for i in range(len(parts))]
        return (columns[0], _scatter(outputs, parts, count, 1, None, float),
                tuple(columns[1:-1]), tuple(out[3] for out in outputs), columns[-1],
                _scatter(outputs, parts, count, 5, False, bool),
                _scatter(outputs, parts, count, 6, 1, np.int64))

    return step


def _scatter(outputs: Sequence[tuple], parts: Sequence[Part], count: int, index: int, default,
             dtype) -> np.ndarray | object:
    """One per-run output of every part, or `default` when no part gave anything else."""
    if all(out[index] is default for out in outputs):
        return default
    joined = np.empty(count, dtype=dtype)
    for out, (runs, _, _) in zip(outputs, parts, strict=True):
        joined[runs] = np.nan if out[index] is None else out[index]
    return joined


def descend(problem: Problem, starts: np.ndarray, lr: float | np.ndarray,
            plans: Plan | Sequence[Plan], stop: StopRules, record_every: int | None = None,
            progress: Progress | None = None, rows_per_run: bool = False) -> Outcomes:
    """Run from every row of `starts` (shape (B, n)) with one plan, or one plan per row (rows
    that share a plan object share a step); one outcome per row.

    The record holds RECORD_BUDGET rows shared by all runs (many starts), or, with
    `rows_per_run`, as many for each run as a run alone would keep (a few runs side by side).
    """
    count = starts.shape[0]
    check_record(count, starts.shape[1], stop.steps, record_every)
    plans = [plans] * count if isinstance(plans, Plan) else list(plans)
    asked, stop = stop, until_rate_vanishes(plans, stop)
    rates = np.array(np.broadcast_to(np.asarray(lr, dtype=float), (count,)))
    shown = count == 1 or rows_per_run  # runs whose steps a table shows: keep the first ones
    recorder = Recorder(record_every, RECORD_BUDGET if rows_per_run else record_limit(count),
                        rows_per_run, HEAD if shown else 0)
    first = plans[0]
    if count == 1 and first.compiled and first.transforms.noise is None:
        loop = fuse_loop(problem, first, stop, _checks_f(problem, stop), progress is not None)
        with paused():
            stopped = run_fused(loop, starts, float(rates[0]), stop, recorder, progress)
    else:
        parts = _parts(problem, plans, stop)
        if len(parts) == 1:
            step, state = parts[0][1], parts[0][2]
        else:
            step, state = _grouped(parts, count), tuple(part[2] for part in parts)
        shared = float(rates[0]) if (rates == rates[0]).all() else rates  # a scalar is cheaper
        noisy = first.transforms.noise is not None
        noise = np.random.default_rng(first.transforms.seed) if noisy else None
        with paused():
            stopped = run_batch(step, starts, state, shared, stop, recorder, progress, noise,
                                compact=len(parts) == 1 and not noisy
                                and len(set(map(id, plans))) == 1)
    with paused():  # reading the record back is numeric work, bounded like the loop
        return Outcomes(problem, plans, rates, starts, asked, stopped)
