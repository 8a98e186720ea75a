"""Landscape commands end to end, against their time limits and beside the bare import cost.

    python tests/bench/bench_landscape.py
"""

from __future__ import annotations

import subprocess
import sys
import time


def seconds(arguments: list[str], repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(arguments, capture_output=True, check=False)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    python = sys.executable
    imports = seconds([python, "-c", "import sympy, numpy"])
    print(f"python {sys.version.split()[0]}; `import sympy, numpy` alone: {imports:.3f} s")
    for label, args, limit in [
        ("critical himmelblau --numeric", ["critical", "himmelblau", "--numeric", "--json"], 2.0),
        ("descend himmelblau --starts grid:100", ["descend", "himmelblau", "--starts",
                                                  "grid:100", "--json"], 3.0),
    ]:
        took = seconds([python, "-m", "gradcli", *args])
        print(f"{label:<40} {took:6.3f} s  (limit {limit} s: {'ok' if took <= limit else 'OVER'}"
              f"; {took / imports:.2f}× the import alone)")


if __name__ == "__main__":
    main()
