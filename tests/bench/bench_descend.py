"""Speed and memory of `descend`, each timed beside its baseline in the same run.

    python tests/bench/bench_descend.py            # everything (about a minute)

Prints one line per measurement with the ratio gradcli/baseline and the target. Nothing here is
asserted: machines are shared and noisy, so the numbers are for people to read.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from timing import best_of

from gradcli.engine.descent import descend
from gradcli.engine.fusion import fuse_step
from gradcli.engine.loop import StopRules, run_batch
from gradcli.engine.plan import make_plan
from gradcli.engine.problem import Problem
from gradcli.engine.recorder import Recorder

GD = make_plan("gd", {})
ROSENBROCK = "(1-x)**2 + 100*(y-x**2)**2"
HIMMELBLAU = "(x**2 + y - 11)**2 + (x + y**2 - 7)**2"


def report(name: str, ours: float, baseline: float, target: float, unit: str = "s") -> None:
    ratio = ours / baseline
    verdict = "ok" if ratio <= target else "OVER TARGET"
    print(f"{name:<44} gradcli {ours:9.4f} {unit}  baseline {baseline:9.4f} {unit}  "
          f"ratio {ratio:5.2f}  (target ≤ {target})  {verdict}")


def rosenbrock_by_hand(x: float, y: float, lr: float, steps: int) -> tuple[float, float]:
    for _ in range(steps):
        gx = -2 * (1 - x) - 400 * x * (y - x * x)
        gy = 200 * (y - x * x)
        x -= lr * gx
        y -= lr * gy
    return x, y


def single_run_throughput(steps: int = 10**6) -> None:
    problem = Problem.from_text(ROSENBROCK)

    def ours():
        descend(problem, np.array([[-1.2, 1.0]]), 1e-3, GD, StopRules(steps, 0.0))

    baseline = best_of(3, lambda: rosenbrock_by_hand(-1.2, 1.0, 1e-3, steps))
    report(f"5.1 GD {steps:.0e} steps, Rosenbrock, B=1", best_of(3, ours), baseline, 2.0)
    print(f"    per step: gradcli {best_of(1, ours) / steps * 1e6:.3f} µs, "
          f"hand-written loop {baseline / steps * 1e6:.3f} µs")


def himmelblau_by_hand(x: np.ndarray, y: np.ndarray, lr: float, steps: int):
    for _ in range(steps):
        a = x * x + y - 11
        b = x + y * y - 7
        gx = 4 * x * a + 2 * b
        gy = 2 * a + 4 * y * b
        x = x - lr * gx
        y = y - lr * gy
    return x, y


def batch_throughput(starts: int = 10**4, steps: int = 10**3) -> None:
    problem = Problem.from_text(HIMMELBLAU)
    points = np.random.default_rng(0).uniform(-5, 5, size=(starts, 2))

    def ours():
        descend(problem, points, 1e-3, GD, StopRules(steps, 0.0))

    baseline = best_of(5, lambda: himmelblau_by_hand(points[:, 0], points[:, 1], 1e-3, steps))
    report(f"5.2 GD {starts:.0e} starts × {steps:.0e} steps, Himmelblau", best_of(5, ours),
           baseline, 1.5)
    step = fuse_step(problem, GD, False)
    engine = best_of(5, lambda: run_batch(step, points, (), 1e-3, StopRules(steps, 0.0),
                                          Recorder(None, 8), None))
    report("    the stepping loop alone (no compiling, no results)", engine, baseline, 1.5)


EASOM = "-cos(x)*cos(y)*exp(-((x - pi)**2 + (y - pi)**2))"


def easom_by_hand(x: np.ndarray, y: np.ndarray, lr: float, steps: int):
    for _ in range(steps):
        e = np.exp(-((x - np.pi) ** 2 + (y - np.pi) ** 2))
        gx = e * (np.sin(x) * np.cos(y) + 2 * (x - np.pi) * np.cos(x) * np.cos(y))
        gy = e * (np.cos(x) * np.sin(y) + 2 * (y - np.pi) * np.cos(x) * np.cos(y))
        x, y = x - lr * gx, y - lr * gy
    return x, y


def few_slow_runs(starts: int = 20000) -> None:
    """Easom from random starts in [-100, 100]²: nearly every run stops at once on the plateau,
    a few walk for thousands of steps. The baseline steps only the runs that move, by hand."""
    problem = Problem.from_text(EASOM)
    points = np.random.default_rng(0).uniform(-100, 100, size=(starts, 2))
    step = fuse_step(problem, GD, False)
    stop = StopRules(10**4, 1e-8)

    def engine(compact: bool):
        return run_batch(step, points, (), 0.1, stop, Recorder(None, 8), None, compact=compact)

    stopped = engine(True)
    moving = points[stopped.iterations > 0]
    longest = int(stopped.iterations.max())
    baseline = best_of(3, lambda: easom_by_hand(moving[:, 0], moving[:, 1], 0.1, longest))
    print(f"    {len(moving)} of {starts} runs move; the longest takes {longest} steps")
    report("5.5 few slow runs among many stopped", best_of(3, lambda: engine(True)), baseline,
           3.0)
    report("    without cutting the batch down", best_of(1, lambda: engine(False)), baseline,
           3.0)


def command_time(arguments: list[str], repeats: int = 7) -> float:
    return best_of(repeats, lambda: subprocess.run(arguments, check=True, capture_output=True))


def start_up() -> None:
    python = sys.executable
    descend_json = [python, "-m", "gradcli", "descend", "x**2+y**2", "--start", "1,2", "--lr",
                    "0.1", "--json"]
    baseline = command_time([python, "-c", "import sympy, numpy"])
    report("5.3 descend --json, end to end", command_time(descend_json), baseline, 1.25)
    # What any Typer 0.29 command on SymPy pays before doing anything: Typer coerces option
    # values through pydantic, and SymPy's first addition imports sympy.tensor.
    floor = command_time([python, "-c", "import sympy, numpy, typer._adapters, "
                                        "sympy.tensor.tensor"])
    report("    floor: those imports alone", floor, baseline, 1.25)
    report("5.3 gradcli --help", command_time([python, "-m", "gradcli", "--help"]),
           command_time([python, "-c", "import typer"]), 2.0)


def peak_memory(steps: int = 10**6) -> None:
    probe = ("import resource, subprocess, sys\n"
             "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    python = sys.executable
    run = [python, "-m", "gradcli", "descend", ROSENBROCK, "--start", "-1.2,1", "--lr", "0.001",
           "--steps", str(steps), "--tol", "0", "--json"]
    ours = int(subprocess.run([python, "-c", probe, *run], capture_output=True, text=True,
                              check=False).stdout) / 1024
    bare = int(subprocess.run([python, "-c", probe, python, "-c", "import sympy, numpy"],
                              capture_output=True, text=True, check=True).stdout) / 1024
    limit = 150
    print(f"{'5.4 peak RSS, 1e6 steps, default recording':<44} gradcli {ours:9.1f} MB  "
          f"(import sympy, numpy alone: {bare:.1f} MB)  target ≤ {limit} MB  "
          f"{'ok' if ours <= limit else 'OVER TARGET'}")


def main() -> None:
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}; "
          f"best of several runs, this machine, now")
    single_run_throughput()
    batch_throughput()
    few_slow_runs()
    start_up()
    peak_memory()


if __name__ == "__main__":
    main()
