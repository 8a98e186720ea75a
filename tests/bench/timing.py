"""Timing helpers shared by the benchmark scripts."""

from __future__ import annotations

import time


def best_of(repeats: int, action) -> float:
    """The fastest of several runs; the first one also pays for symbolic work and compiling,
    which the Problem then keeps (as a session of sweeps or comparisons would)."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)
