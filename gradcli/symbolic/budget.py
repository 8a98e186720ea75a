"""A wall-clock budget for symbolic work, so no expression can make gradcli hang."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from gradcli.errors import SymbolicTimeout

DEFAULT_SECONDS = 10.0
REPEAT_SECONDS = 0.05


def budget_seconds() -> float:
    """The budget: GRADCLI_TIME_BUDGET seconds if set to a positive number, else the default."""
    try:
        seconds = float(os.environ.get("GRADCLI_TIME_BUDGET", DEFAULT_SECONDS))
    except ValueError:
        return DEFAULT_SECONDS
    return seconds if seconds > 0 else DEFAULT_SECONDS


class _Expired(BaseException):
    """Raised inside the budgeted block; a BaseException so SymPy's own handlers don't eat it."""


@contextmanager
def time_budget(task: str, seconds: float | None = None) -> Iterator[None]:
    """Run the block under the budget (or `seconds`, if shorter); past it raise SymbolicTimeout
    naming the task. Budgets nest: an inner one never outlives the outer one, and the outer one
    keeps counting while the inner runs.

    Uses SIGALRM, which only the main thread can receive; elsewhere the block runs unbudgeted.
    """
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGALRM"):
        yield
        return
    limit = min(budget_seconds(), seconds) if seconds else budget_seconds()
    outer = signal.getitimer(signal.ITIMER_REAL)[0]  # 0.0 when no budget is running
    allowed = min(limit, outer) if outer else limit

    def expire(signum, frame):
        # The raise may land where Python swallows it (a gc callback, a __del__): fire again
        # shortly until it reaches the block; the `finally` below disarms it.
        signal.setitimer(signal.ITIMER_REAL, REPEAT_SECONDS)
        raise _Expired

    previous = signal.signal(signal.SIGALRM, expire)
    started = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, allowed)
    try:
        yield
    except _Expired:
        raise SymbolicTimeout(
            f"{task} took longer than the {allowed:.3g} s budget; simplify the expression "
            "or raise GRADCLI_TIME_BUDGET."
        ) from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - started), 1e-6))
