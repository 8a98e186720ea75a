"""Run methods on a problem from one or many starts: choose the loop, then explain the stops.

One run of a compiled method takes the fused scalar loop. Anything else — many starts, many
learning rates, several methods side by side, noise, Newton, line search — is one batch of the
same engine loop; runs that share a plan share one step function.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from gradcli.calculus import gradient_hides_domain
from gradcli.engine import Progress, StopRules, run_batch, run_fused
from gradcli.fusion import fuse_loop, fuse_step, state_size
from gradcli.newton import matrix_step
from gradcli.outcome import Outcomes
from gradcli.plan import Plan
from gradcli.problem import Problem
from gradcli.recorder import Recorder

# Default record: up to this many rows in all (runs × steps) before thinning.
RECORD_BUDGET = 2000


def record_limit(runs: int) -> int:
    return max(8, RECORD_BUDGET // runs)


def _checks_f(problem: Problem, stop: StopRules) -> bool:
    """Does the loop need f itself, beyond ∇f? For --f-tol, or where ∇f hides f's domain."""
    return stop.f_tol is not None or gradient_hides_domain(problem.function)


def _step(problem: Problem, plan: Plan, stop: StopRules) -> tuple[Callable, int]:
    """The batch step for one plan and the number of state arrays it carries."""
    n = len(problem.variables)
    if not plan.compiled:
        return matrix_step(problem, plan), 0
    return fuse_step(problem, plan, _checks_f(problem, stop)), state_size(plan, n)


def _grouped(parts: Sequence[tuple[slice, Callable]]) -> Callable:
    """One step over runs split into contiguous groups, each with its own step and state.

    A group whose runs have all stopped is not stepped again: its last outputs stand in (a
    Newton group that converged in six steps costs nothing for the rest of the comparison).
    """
    last: dict[int, tuple] = {}
    sizes = [runs.stop - runs.start for runs, _ in parts]

    def joined(values: list, default) -> np.ndarray | object:
        """Per-run values from every group; `default` if no group had any."""
        if all(value is default for value in values):
            return default
        return np.concatenate([np.full(size, value) if np.ndim(value) == 0 else value
                               for value, size in zip(values, sizes, strict=True)])

    def step(x, state, lr, t, noise, active):
        outputs = []
        for index, ((runs, part), own) in enumerate(zip(parts, state, strict=True)):
            if index not in last or active[runs].any():
                last[index] = part(tuple(c[runs] for c in x), own,
                                   lr[runs] if np.ndim(lr) else lr, t,
                                   None if noise is None else tuple(z[runs] for z in noise),
                                   active[runs])
            outputs.append(last[index])
        squared, values, points, states, rates, clips, calls = zip(*outputs, strict=True)
        point = tuple(np.concatenate(column) for column in zip(*points, strict=True))
        return (np.concatenate(squared), joined(list(values), None), point, states,
                joined(list(rates), None), joined(list(clips), False),
                joined(list(calls), 1) if any(np.ndim(c) for c in calls) else 1)

    return step


def descend(problem: Problem, starts: np.ndarray, lr: float | np.ndarray,
            plans: Plan | Sequence[Plan], stop: StopRules, record_every: int | None = None,
            progress: Progress | None = None) -> Outcomes:
    """Run from every row of `starts` (shape (B, n)) with one plan, or one plan per row (rows
    with the same plan must be contiguous); one outcome per row."""
    count = starts.shape[0]
    plans = [plans] * count if isinstance(plans, Plan) else list(plans)
    rates = np.array(np.broadcast_to(np.asarray(lr, dtype=float), (count,)))
    recorder = Recorder(record_every, record_limit(count))
    first = plans[0]
    if count == 1 and first.compiled and first.transforms.noise is None:
        loop = fuse_loop(problem, first, stop, _checks_f(problem, stop), progress is not None)
        stopped = run_fused(loop, starts, float(rates[0]), stop, recorder, progress)
    else:
        parts, states = [], []
        for runs, plan in _groups(plans):
            step, size = _step(problem, plan, stop)
            parts.append((runs, step))
            states.append(tuple(np.zeros(runs.stop - runs.start) for _ in range(size)))
        if len(parts) == 1:
            step, state = parts[0][1], states[0]
        else:
            step, state = _grouped(parts), tuple(states)
        shared = float(rates[0]) if (rates == rates[0]).all() else rates  # a scalar is cheaper
        noisy = first.transforms.noise is not None
        noise = np.random.default_rng(first.transforms.seed) if noisy else None
        stopped = run_batch(step, starts, state, shared, stop, recorder, progress, noise)
    return Outcomes(problem, plans, rates, starts, stop, stopped)


def _groups(plans: Sequence[Plan]) -> list[tuple[slice, Plan]]:
    """Contiguous runs that share a plan (the same object, as `descend` passes them)."""
    groups: list[tuple[slice, Plan]] = []
    for index, plan in enumerate(plans):
        if groups and groups[-1][1] is plan:
            groups[-1] = (slice(groups[-1][0].start, index + 1), plan)
        else:
            groups.append((slice(index, index + 1), plan))
    return groups
