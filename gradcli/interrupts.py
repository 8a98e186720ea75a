"""Ctrl-C and SIGTERM: a flag first, an exception only where one is safe.

Python runs a signal handler between bytecodes, wherever the main thread is. An exception raised
there can land in Typer's parsing (which turns it into a silent exit 130), in a C-level path that
swallows it (an import's `abc.register`), or halfway through a loop's bookkeeping. So the handler
only notes the signal (`pending`), and the code acts on it at safe points:
- every stepping loop checks the flag once per step and stops with status `interrupted`;
- a command checks it when its body starts and when it ends (`check`);
- only inside `raising()` — symbolic work under the time budget, and blocking reads of stdin —
  does the handler raise KeyboardInterrupt at once, since that work can take seconds and holds
  nothing that would be lost. Inside a callback whose exceptions the interpreter drops, or inside
  an import, it asks for the same signal again a moment later instead.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

AGAIN_AFTER = 0.01  # seconds before a deferred signal is delivered again
# callbacks whose errors the interpreter drops
_SWALLOWING = {"cb", "gc_callback", "__del__", "remove", "_remove"}

flag = [0]  # the signal waiting to be acted on (0: none); a list, so generated loops read it fast
_last = [0]  # the last signal received, for the sentence that reports it
_raising = [0]  # depth of `raising()` blocks


def in_dropping_callback(frame) -> bool:
    """Is this frame a callback whose exceptions the interpreter prints and drops?"""
    return frame is not None and (frame.f_code.co_name in _SWALLOWING
                                  or frame.f_code.co_filename.startswith("<frozen importlib"))


def must_not_raise(frame) -> bool:
    """Would an exception raised here be lost, or break something for good: a callback whose
    errors are dropped, or any point inside an import (a module left half-imported cannot be
    imported again: NumPy's C extension refuses a second load in the same process)?"""
    if in_dropping_callback(frame):
        return True
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib._bootstrap"):
            return True
        frame = frame.f_back
    return False


def interrupt(signum, frame) -> None:
    """Note the signal; inside `raising()`, raise KeyboardInterrupt (or, inside a callback that
    would drop it, signal again soon)."""
    flag[0] = _last[0] = signum
    if not _raising[0]:
        return
    if must_not_raise(frame):
        timer = threading.Timer(AGAIN_AFTER, os.kill, (os.getpid(), signum))
        timer.daemon = True
        timer.start()
        return
    raise KeyboardInterrupt


def cause() -> str:
    """How the last interrupt came, as a sentence names it: Ctrl-C, or SIGTERM."""
    return "SIGTERM" if _last[0] == signal.SIGTERM else "Ctrl-C"


def pending() -> bool:
    return flag[0] != 0


def check() -> None:
    """A safe point: act on a noted signal now."""
    if flag[0]:
        raise KeyboardInterrupt


def consume() -> None:
    """The interrupt has been acted on (a loop stopped, a command reported it)."""
    flag[0] = 0


@contextmanager
def raising() -> Iterator[None]:
    """Within the block a signal raises KeyboardInterrupt at once (after one already noted)."""
    _raising[0] += 1
    try:
        check()
        yield
    finally:
        _raising[0] -= 1


@contextmanager
def deferred() -> Iterator[None]:
    """Within the block a signal is only noted, whatever encloses it (numeric loops, output)."""
    depth, _raising[0] = _raising[0], 0
    try:
        yield
    finally:
        _raising[0] = depth


def install() -> None:
    """Handle SIGINT and SIGTERM with `interrupt` (only the main thread can set handlers)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, interrupt)
        signal.signal(signal.SIGTERM, interrupt)
