"""JSON for programs: one object, non-finite numbers as null, never through Rich."""

from __future__ import annotations

import json
import math
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

owed: ContextVar[bool] = ContextVar("owed", default=False)  # --json given, object not yet written


def finite(value: Any) -> Any:
    """Replace NaN and ±inf by None, recursively, so the output is strict JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite(item) for item in value]
    return value


def dumps(payload: dict[str, Any]) -> str:
    return json.dumps(finite(payload), allow_nan=False, ensure_ascii=False, indent=2)


CHUNK = 1 << 16


def pieces(payload: dict[str, Any]) -> Iterator[str]:
    """The text of `dumps(payload)`, piece by piece; a value that is an iterator (not a list) is
    written item by item, so a list of 250,000 runs never exists in memory as one string."""
    yield "{"
    for position, (key, value) in enumerate(payload.items()):
        yield ("," if position else "") + "\n  " + json.dumps(key, ensure_ascii=False) + ": "
        if isinstance(value, Iterator):
            opened = False
            for item in value:
                yield (",\n    " if opened else "[\n    ") + _indented(item, 4)
                opened = True
            yield "\n  ]" if opened else "[]"
        else:
            yield _indented(value, 2)
    yield "\n}\n" if payload else "}\n"


def _indented(value: Any, depth: int) -> str:
    text = json.dumps(finite(value), allow_nan=False, ensure_ascii=False, indent=2)
    return text.replace("\n", "\n" + " " * depth)


def emit(payload: dict[str, Any]) -> None:
    """Write in pieces of about 64 KiB: a reader that has gone (`| head -c 10`) is noticed at the
    next piece as a broken pipe, where one large write may report success. Output is bounded by
    the data, so it runs outside the time budget."""
    from gradcli.symbolic.budget import paused

    with paused(), _signals_held() as held:
        waiting: list[str] = []
        size = 0
        for piece in pieces(payload):
            waiting.append(piece)
            size += len(piece)
            if size >= CHUNK:
                _write("".join(waiting))
                waiting, size = [], 0
        _write("".join(waiting))
        owed.set(False)
    if held:
        raise KeyboardInterrupt  # now that stdout holds one whole JSON document


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


@contextmanager
def _signals_held() -> Iterator[list[int]]:
    """Ctrl-C or SIGTERM while the object is written is noted, and acted on once it is complete.

    The signals are noted by a handler that does not raise, and blocked in the kernel, so no
    write is cut short: an interrupted write to a pipe can lose bytes on some systems.
    """
    held: list[int] = []
    if threading.current_thread() is not threading.main_thread() or \
            not hasattr(signal, "pthread_sigmask"):
        yield held
        return
    kinds = (signal.SIGINT, signal.SIGTERM)
    previous = [signal.signal(kind, lambda signum, frame: held.append(signum)) for kind in kinds]
    signal.pthread_sigmask(signal.SIG_BLOCK, kinds)
    try:
        yield held
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, kinds)
        _let_handlers_run()
        for kind, handler in zip(kinds, previous, strict=True):
            signal.signal(kind, handler)


def _let_handlers_run() -> None:
    """A Python-level call: signals that arrived while blocked are handled at this boundary."""
