"""A budget of CPU time for symbolic work, so no expression can make gradcli hang.

It counts this process's CPU time (`ITIMER_PROF`: user and system), not wall time, so a busy
machine gives the same answer as an idle one: the work a budget allows is the same everywhere.
Numeric loops, allocation, output and pictures run outside it (`paused`).
"""

from __future__ import annotations

import functools
import math
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

from gradcli import interrupts
from gradcli.errors import InputError, SymbolicTimeout

DEFAULT_SECONDS = 10.0
FEWEST_SECONDS = 0.01
MOST_SECONDS = 3600.0
REPEAT_SECONDS = 0.05


def budget_seconds() -> float:
    """GRADCLI_TIME_BUDGET seconds (0.01 to 3600) if set, else the default; anything else is
    refused: a setting that is silently ignored is a setting the user cannot trust."""
    text = os.environ.get("GRADCLI_TIME_BUDGET")
    if text is None or not text.strip():
        return DEFAULT_SECONDS
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not FEWEST_SECONDS <= seconds <= MOST_SECONDS:
        raise InputError(f"GRADCLI_TIME_BUDGET is '{text[:20]}'; set it to a number of seconds "
                         f"from {FEWEST_SECONDS:g} to {MOST_SECONDS:g}, or unset it for the "
                         f"default {DEFAULT_SECONDS:g}.")
    return seconds


class Expired(BaseException):
    """Raised inside the budgeted block; a BaseException so SymPy's own handlers don't eat it.

    It can also land just as a block ends (between its last step and the budget's exit), where
    no `except` of the budget sees it: `cli.app.run` takes it there.
    """


def timeout(task: str, seconds: float) -> SymbolicTimeout:
    return SymbolicTimeout(f"{task} took more than the {seconds:.3g} s budget of CPU time; "
                           "simplify the expression or raise GRADCLI_TIME_BUDGET.")


TIMER = signal.ITIMER_PROF  # this process's CPU time, user and system
ALARM = signal.SIGPROF


def _armable() -> bool:
    """Only the main thread can receive the alarm; elsewhere a block runs unbudgeted."""
    return threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGPROF")


def end_all() -> None:
    """Disarm every budget and ignore a late alarm: SIGPROF's default action ends the process."""
    if _armable():
        signal.setitimer(TIMER, 0)
        signal.signal(ALARM, signal.SIG_IGN)


@contextmanager
def time_budget(task: str, seconds: float | None = None, *,
                interruptible: bool = True) -> Iterator[None]:
    """Run the block under the budget (or `seconds`, if shorter); past it raise SymbolicTimeout
    naming the task. Budgets nest: an inner one never outlives the outer one, and the outer one
    keeps counting while the inner runs.

    The seconds are CPU seconds of this process. Symbolic work is `interruptible`: Ctrl-C
    raises at once inside it (it holds no result to keep); a command's whole body is not.
    """
    if not _armable():
        yield
        return
    if interruptible:
        with interrupts.raising(), time_budget(task, seconds, interruptible=False):
            yield
        return
    limit = min(budget_seconds(), seconds) if seconds else budget_seconds()
    outer = signal.getitimer(TIMER)[0]  # 0.0 when no budget is running
    allowed = min(limit, outer) if outer else limit

    def expire(signum, frame):
        # Where Python would drop the raise (a gc callback, a __del__), fire again shortly
        # instead, until it reaches the block; the `finally` below disarms it.
        signal.setitimer(TIMER, REPEAT_SECONDS)
        if not interrupts.must_not_raise(frame):
            raise Expired

    previous = signal.signal(ALARM, expire)
    try:
        signal.setitimer(TIMER, allowed)
        yield
    except Expired:
        raise timeout(task, allowed) from None
    finally:
        left = signal.setitimer(TIMER, 0)[0]
        signal.signal(ALARM, previous)
        if outer:  # the outer budget goes on with what it had, less what this block used
            signal.setitimer(TIMER, max(outer - (allowed - left), 1e-6))


@contextmanager
def paused() -> Iterator[None]:
    """Run the block outside the budget: numeric loops are bounded by their step counts and show
    their progress; the budget resumes, with what was left of it, when the block ends. Ctrl-C
    only sets the flag that the loops check at every step."""
    if not _armable():
        yield
        return
    left = signal.setitimer(TIMER, 0)[0]
    try:
        with interrupts.deferred():
            yield
    finally:
        if left:
            signal.setitimer(TIMER, left)


P = ParamSpec("P")
R = TypeVar("R")


def outside_budget(function: Callable[P, R]) -> Callable[P, R]:
    """Mark numeric or drawing work (pictures, plots, tables): it runs paused, since its cost
    comes from sizes the user chose, not from an expression that could hang."""
    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with paused():
            return function(*args, **kwargs)
    return run
