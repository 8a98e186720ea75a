"""The optimizer family and the lab commands: cost of batches and of richer methods.

    python tests/bench/bench_methods.py

Prints ratios beside their targets; nothing is asserted (machines are shared and noisy).
"""

from __future__ import annotations

import sys

import numpy as np
from timing import best_of

from gradcli.engine.descent import descend
from gradcli.engine.fusion import fuse_step
from gradcli.engine.loop import StopRules, run_batch
from gradcli.engine.optimizers import RULES
from gradcli.engine.plan import make_plan
from gradcli.engine.problem import Problem
from gradcli.engine.recorder import Recorder

STEPS = 10_000
START = np.array([[-1.2, 1.0]])


def report(name: str, ours: float, baseline: float, target: float) -> None:
    ratio = ours / baseline
    print(f"{name:<58} {ours * 1e3:9.2f} ms vs {baseline * 1e3:9.2f} ms  ratio {ratio:6.2f}  "
          f"(target ≤ {target})  {'ok' if ratio <= target else 'OVER TARGET'}")


def main() -> None:
    problem = Problem.resolve("rosenbrock")
    stop = StopRules(STEPS, 0.0)
    gd = make_plan("gd", {})
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}; Rosenbrock, {STEPS} steps")

    def single(plan, lr=1e-4):
        return lambda: descend(problem, START, lr, plan, stop)

    def batch_of_one(plan):
        step = fuse_step(problem, plan, False)
        size = len(plan.rule.state) * 2
        return lambda: run_batch(step, START, tuple(np.zeros(1) for _ in range(size)), 1e-4,
                                 stop, Recorder(None, 2000), None)

    fused_gd = best_of(5, single(gd))
    batch_gd = best_of(5, batch_of_one(gd))
    rates = np.geomspace(1e-6, 1e-3, 50)
    sweep = best_of(5, lambda: descend(problem, np.repeat(START, 50, axis=0), rates, gd, stop))
    report("sweep of 50 rates vs one run on the batch engine", sweep, batch_gd, 3.0)
    report("sweep of 50 rates vs one run on the fused loop", sweep, fused_gd, 3.0)
    methods = [make_plan(name, {}) for name in RULES]
    rates_each = [plan.rule.default_lr or 1e-4 for plan in methods]  # newton keeps its 1
    compare = best_of(5, lambda: descend(problem, np.repeat(START, len(methods), axis=0),
                                         rates_each, methods, stop))
    report(f"compare of {len(methods)} methods vs one gd run on the batch engine", compare,
           batch_gd, 3.0)
    report(f"compare of {len(methods)} methods vs one gd run on the fused loop", compare,
           fused_gd, 3.0)
    # As people use it: to the default tolerance, where finished methods stop costing anything.
    tolerant = StopRules(STEPS, 1e-8)
    realistic = best_of(3, lambda: descend(problem, np.repeat(START, len(methods), axis=0),
                                           rates_each, methods, tolerant))
    one = best_of(3, lambda: descend(problem, START, 1e-4, gd, tolerant))
    report(f"compare of {len(methods)} methods to tol 1e-8 vs one gd run (fused) to tol",
           realistic, one, 3.0)
    for name in ("momentum", "adam"):
        report(f"{name} single run vs gd single run (per step)",
               best_of(5, single(make_plan(name, {}))), fused_gd, 2.0)


if __name__ == "__main__":
    main()
