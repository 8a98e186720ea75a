"""A progress bar on stderr for long runs, shown only on a terminal and only after half a second."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from gradcli.engine.loop import Progress

DELAY_SECONDS = 0.5


@contextmanager
def progress_bar(total: int, doing: str = "descending") -> Iterator[Progress | None]:
    """Yield a callback for the engine or a drawing loop (None when stderr is not a terminal)."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TimeRemainingColumn

    from gradcli.render.console import console

    started = time.monotonic()
    bar: Progress | None = None
    task = None

    def update(k: int) -> None:
        nonlocal bar, task
        if bar is None:
            if time.monotonic() - started < DELAY_SECONDS:
                return
            bar = Progress(doing, BarColumn(), TaskProgressColumn(), TimeRemainingColumn(),
                           console=console(sys.stderr), transient=True)
            bar.start()
            task = bar.add_task("steps", total=total)
        bar.update(task, completed=k)

    try:
        yield update
    finally:
        if bar is not None:
            bar.stop()
