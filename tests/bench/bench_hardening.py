"""Inputs that once blew up, end to end: time and peak memory beside the bare import.

    python tests/bench/bench_hardening.py

Grouping 20,000 distinct basin ends (an N×N distance array once took 17.7 GB), 250,000
starts of which most fail (a sentence with curvature was once built for each), and the
constant that once hung the parser.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time


def measured(arguments: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process (its own rusage, via wait4)."""
    started = time.perf_counter()
    child = subprocess.Popen(arguments, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(child.pid, 0)
    child.returncode = 0  # reaped here; keep Popen from waiting again
    return time.perf_counter() - started, usage.ru_maxrss / 1024


def main() -> None:
    python = sys.executable
    base, base_memory = measured([python, "-c", "import sympy, numpy"])
    print(f"python {sys.version.split()[0]}; `import sympy, numpy` alone: {base:.3f} s, "
          f"{base_memory:.0f} MB")
    for label, args in [
        ("basins of 20000 distinct ends", ["descend", "x**2+y**2", "--starts", "random:20000",
                                           "--box", "-5:5", "--tol", "1e9", "--json"]),
        ("rosenbrock --starts random:250000 --steps 20", ["descend", "rosenbrock", "--starts",
                                                          "random:250000", "--steps", "20"]),
        ("grad x+sin(exp(exp(20))) (refused)", ["grad", "x+sin(exp(exp(20)))"]),
    ]:
        elapsed, memory = measured([python, "-m", "gradcli", *args])
        print(f"{label:46s} {elapsed:6.2f} s  {memory:5.0f} MB peak  "
              f"({elapsed / base:.1f}× the import alone)")


if __name__ == "__main__":
    main()
