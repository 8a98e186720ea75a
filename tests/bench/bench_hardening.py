"""Inputs that once blew up, end to end: time and peak memory beside the bare import.

    python tests/bench/bench_hardening.py

Grouping 20,000 distinct basin ends (an N×N distance array once took 17.7 GB), 250,000
starts of which most fail (a sentence with curvature was once built for each), the constant
that once hung the parser, the library listing against `import typer` (it once parsed all 25
files with SymPy), and the largest --starts and CSV that the limits allow (under 1 GB).
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


def listing_against_typer(python: str, repeats: int = 5) -> None:
    """`gradcli functions` beside the bare `import typer`, interleaved, best of `repeats`."""
    listing, typer = [], []
    for _ in range(repeats):
        typer.append(measured([python, "-c", "import typer"])[0])
        listing.append(measured([python, "-m", "gradcli", "functions"])[0])
    print(f"gradcli functions {min(listing):.3f} s, import typer {min(typer):.3f} s: ratio "
          f"{min(listing) / min(typer):.2f}")


def main() -> None:
    python = sys.executable
    listing_against_typer(python)
    base, base_memory = measured([python, "-c", "import sympy, numpy"])
    print(f"python {sys.version.split()[0]}; `import sympy, numpy` alone: {base:.3f} s, "
          f"{base_memory:.0f} MB")
    seventeen = "+".join(f"x{k}**2" for k in range(1, 18))
    for label, args in [
        ("17 variables, --starts random:70588 (the most)", ["descend", seventeen, "--starts",
                                                            "random:70588", "--box", "-5:5",
                                                            "--lr", "0.1", "--json"]),
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
