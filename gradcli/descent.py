"""Run a method on a problem from one or many starts: choose the loop, then explain the stops."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from gradcli.calculus import gradient_hides_domain
from gradcli.compile import compile_batch
from gradcli.engine import Progress, StopRules, run_batch, run_fused
from gradcli.fusion import fuse
from gradcli.optimizers import RULES, batched
from gradcli.outcome import Settings, conclude
from gradcli.problem import Problem
from gradcli.recorder import Recorder
from gradcli.result import Result

# Default record: up to this many rows in all (runs × steps) before thinning.
RECORD_BUDGET = 2000


def record_limit(runs: int) -> int:
    return max(8, RECORD_BUDGET // runs)


def descend(problem: Problem, starts: np.ndarray, lr: float | np.ndarray, method: str,
            params: Mapping[str, float], stop: StopRules, record_every: int | None = None,
            progress: Progress | None = None) -> list[Result]:
    """Run `method` from every row of `starts` (shape (B, n)); one Result per row.

    One run with one learning rate takes the fused scalar loop; anything else is one batch.
    """
    rule = RULES[method]
    count = starts.shape[0]
    rates = np.broadcast_to(np.asarray(lr, dtype=float), (count,))
    recorder = Recorder(record_every, record_limit(count))
    needs_f = stop.f_tol is not None or gradient_hides_domain(problem.function)
    if count == 1:
        loop = fuse(problem.gradient, problem.variables, rule, params, stop,
                    problem.function if needs_f else None, progress is not None)
        stopped = run_fused(loop, starts, float(rates[0]), stop, recorder, progress)
    else:
        gradient = compile_batch(problem.gradient, problem.variables)
        value = compile_batch([problem.function], problem.variables) if needs_f else None
        stopped = run_batch(gradient, batched(rule, params), starts, rates[:, None], stop,
                            recorder, progress, value)
    return conclude(problem, Settings(method, dict(params), stop), rates, starts, stopped)
