"""Ctrl-C and SIGTERM become KeyboardInterrupt where Python can act on it.

Python runs a signal handler between bytecodes, wherever the main thread is. When that is a
callback whose exceptions the interpreter only prints and drops ("Exception ignored in …": the
weakref callback of an import lock, a garbage-collector callback, a __del__), a KeyboardInterrupt
raised there is lost and the command would run on as if nothing had been pressed. There the
handler asks for the same signal again a moment later instead.
"""

from __future__ import annotations

import os
import signal
import threading

AGAIN_AFTER = 0.01  # seconds before a deferred signal is delivered again
# callbacks whose errors the interpreter drops
_SWALLOWING = {"cb", "gc_callback", "__del__", "remove", "_remove"}


def in_dropping_callback(frame) -> bool:
    """Is this frame a callback whose exceptions the interpreter prints and drops?"""
    return frame is not None and (frame.f_code.co_name in _SWALLOWING
                                  or frame.f_code.co_filename.startswith("<frozen importlib"))


def interrupt(signum, frame) -> None:
    """Raise KeyboardInterrupt, or, inside a callback that would drop it, signal again soon."""
    if in_dropping_callback(frame):
        timer = threading.Timer(AGAIN_AFTER, os.kill, (os.getpid(), signum))
        timer.daemon = True
        timer.start()
        return
    raise KeyboardInterrupt


def install() -> None:
    """Handle SIGINT and SIGTERM with `interrupt` (only the main thread can set handlers)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, interrupt)
        signal.signal(signal.SIGTERM, interrupt)
