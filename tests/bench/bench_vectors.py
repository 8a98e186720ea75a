"""Speed and memory of vector functions (x[1..n], indexed sums), each beside its baseline.

    python tests/bench/bench_vectors.py          # everything (about two minutes)

Prints one line per measurement with the ratio gradcli/baseline and the target. Nothing is
asserted: machines are shared and noisy, so the numbers are for people to read.
"""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
from timing import best_of

ROSENBROCK = "sum(100*(x[i+1] - x[i]**2)**2 + (1 - x[i])**2, (i, 1, n-1))"
DERIVE = f"""
import time, sympy
from gradcli.symbolic.parsing import parse
from gradcli.symbolic.indexed import indexed_function
from gradcli.engine.indexed import VectorProblem
started = time.perf_counter()
parsed = parse({ROSENBROCK!r})
function = indexed_function("f", parsed.components[0], parsed.names, parsed.vectors)
problem = VectorProblem(function, N)
for c in problem.compiled:
    c.gradient_kernel, c.first_kernel, c.second_kernel
print(time.perf_counter() - started)
"""
EXPANDED = """
import time, sympy as sp
x = sp.symbols("x1:101", real=True)
f = sum(100*(x[i+1] - x[i]**2)**2 + (1 - x[i])**2 for i in range(99))
started = time.perf_counter()
[sp.diff(f, v) for v in x]
print(time.perf_counter() - started)
"""


def report(name: str, ours: float, baseline: float, target: float | None, unit: str = "s"):
    ratio = ours / baseline
    verdict = "" if target is None else ("ok" if ratio <= target else "OVER TARGET")
    aim = "" if target is None else f"(target ≤ {target})"
    print(f"{name:<46} {ours:9.4f} {unit} vs {baseline:9.4f} {unit}  ratio {ratio:6.2f}  "
          f"{aim}  {verdict}")


def fresh(code: str) -> float:
    """Seconds printed by code run in a new interpreter (no cache from earlier work)."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return float(out.stdout.strip())


def derivation() -> None:
    small = min(fresh(DERIVE.replace("N)", "10)")) for _ in range(3))
    large = min(fresh(DERIVE.replace("N)", "10**6)")) for _ in range(3))
    report("derive n-D Rosenbrock, n = 10^6 vs n = 10", large, small, 1.5)
    print(f"{'  ... absolute, n = 10^6':<46} {large:9.4f} s  (target ≤ 0.3 s)  "
          f"{'ok' if large <= 0.3 else 'OVER TARGET'}")
    expanded = fresh(EXPANDED)
    report("  plain SymPy ∇f of the written-out n = 100", expanded, large, None)


def rosenbrock_gradient_by_hand(x: np.ndarray) -> np.ndarray:
    d = x[1:] - x[:-1] ** 2
    g = np.zeros_like(x)
    g[:-1] = -400 * x[:-1] * d - 2 * (1 - x[:-1])
    g[1:] += 200 * d
    return g


def gradient_and_steps() -> None:
    from gradcli.engine.loop import StopRules
    from gradcli.engine.plan import make_plan
    from gradcli.engine.problem import Problem
    from gradcli.engine.vector_descent import descend_vectors

    n = 10**6
    problem = Problem.resolve("rosenbrock_nd", dim=n)
    x = np.resize(np.array([-1.2, 1.0]), n)
    X = x[None, :]
    ours = best_of(7, lambda: problem.gradient(X))
    hand = best_of(7, lambda: rosenbrock_gradient_by_hand(x))
    report("∇f at n = 10^6 vs hand-written NumPy slices", ours, hand, 1.5)

    def loop_by_hand():
        y = x.copy()
        for _ in range(100):
            y = y - 1e-4 * rosenbrock_gradient_by_hand(y)
        return y

    plan = make_plan("gd", {})
    hand = best_of(3, loop_by_hand)
    ours = best_of(3, lambda: descend_vectors(problem, X, 1e-4, plan, StopRules(100, 0.0),
                                              record_every=100))
    report("100 gd steps at n = 10^6 vs a hand NumPy loop", ours, hand, 1.5)
    ours = best_of(3, lambda: descend_vectors(problem, X, 1e-4, plan, StopRules(100, 0.0)))
    report("  ... recording every step's summary (default)", ours, hand, None)


PEAK = """
import resource, numpy as np
from gradcli.engine.loop import StopRules
from gradcli.engine.plan import make_plan
from gradcli.engine.problem import Problem
from gradcli.engine.vector_descent import descend_vectors
problem = Problem.resolve("rosenbrock_nd", dim=10**6)
x = np.resize(np.array([-1.2, 1.0]), 10**6)[None, :]
descend_vectors(problem, x, 1e-4, make_plan("gd", {}), StopRules(100, 0.0))
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def peak_memory() -> None:
    megabytes = fresh(PEAK)
    print(f"{'peak RSS, 100 gd steps at n = 10^6':<46} {megabytes:9.1f} MB  (target ≤ 400 MB)  "
          f"{'ok' if megabytes <= 400 else 'OVER TARGET'}")


def truncated_newton() -> None:
    """Truncated Newton on n-D Rosenbrock. From the classic start (-1.2, 1, -1.2, 1, …) the
    chained function is followed down its valley a few coordinates per step, so the step
    count grows with n (scipy's trust-ncg behaves the same); n = 10^5 is timed from a start
    in the valley's reach instead."""
    from gradcli.engine.loop import StopRules
    from gradcli.engine.plan import make_plan
    from gradcli.engine.problem import Problem
    from gradcli.engine.vector_descent import descend_vectors

    plan = make_plan("newton", {})
    for n, start, words in ((1000, [-1.2, 1.0], "classic start"),
                            (100_000, [1.2, 0.8], "start (1.2, 0.8, 1.2, …)")):
        problem = Problem.resolve("rosenbrock_nd", dim=n)
        started = time.perf_counter()
        result = descend_vectors(problem, np.resize(np.array(start), n)[None, :], 1.0, plan,
                                 StopRules(20_000, 1e-8))[0]
        took = time.perf_counter() - started
        print(f"{f'truncated Newton, n = {n}, {words}':<46} {result.status}: ‖∇f‖ = "
              f"{result.grad_norm:.1e} after {result.iterations} steps, {took:.2f} s")


if __name__ == "__main__":
    derivation()
    gradient_and_steps()
    peak_memory()
    truncated_newton()
