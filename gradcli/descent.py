"""Run a method on a problem from one or many starts: choose the loop, then explain the stops."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from gradcli.calculus import gradient_hides_domain
from gradcli.engine import Progress, StopRules, run_batch, run_fused
from gradcli.fusion import fuse_loop, fuse_step
from gradcli.optimizers import RULES
from gradcli.outcome import Outcomes, Settings
from gradcli.problem import Problem
from gradcli.recorder import Recorder

# Default record: up to this many rows in all (runs × steps) before thinning.
RECORD_BUDGET = 2000


def record_limit(runs: int) -> int:
    return max(8, RECORD_BUDGET // runs)


def descend(problem: Problem, starts: np.ndarray, lr: float | np.ndarray, method: str,
            params: Mapping[str, float], stop: StopRules, record_every: int | None = None,
            progress: Progress | None = None) -> Outcomes:
    """Run `method` from every row of `starts` (shape (B, n)); one outcome per row.

    One run with one learning rate takes the fused scalar loop; anything else is one batch.
    """
    rule = RULES[method]
    count = starts.shape[0]
    rates = np.broadcast_to(np.asarray(lr, dtype=float), (count,))
    recorder = Recorder(record_every, record_limit(count))
    needs_f = stop.f_tol is not None or gradient_hides_domain(problem.function)
    function = problem.function if needs_f else None
    if count == 1:
        loop = fuse_loop(problem.gradient, problem.variables, rule, params, stop, function,
                         progress is not None)
        stopped = run_fused(loop, starts, float(rates[0]), stop, recorder, progress)
    else:
        step = fuse_step(problem.gradient, problem.variables, rule, params, function)
        shared = float(rates[0]) if (rates == rates[0]).all() else rates  # a scalar is cheaper
        stopped = run_batch(step, starts, len(rule.state) * starts.shape[1], shared, stop,
                            recorder, progress)
    return Outcomes(problem, Settings(method, dict(params), stop), rates, starts, stopped)
