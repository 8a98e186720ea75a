"""Consoles made per invocation: colour only on a terminal (never with NO_COLOR or TERM=dumb),
unless --color always or never says otherwise."""

from __future__ import annotations

import os
import shutil
import sys
from typing import TextIO

from rich.console import Console, Group, RenderableType

from gradcli.render.colour import forced, wants_colour
from gradcli.symbolic.budget import outside_budget

PIPE_WIDTH = 100
MAX_WIDTH = 500  # COLUMNS=1000000 would have the plot allocate gigabytes for blank columns


def output_width(stream: TextIO | None = None) -> int:
    """COLUMNS when set (40 to 500), else the terminal's width (to 500), else 100 for pipes and
    files."""
    try:
        return min(MAX_WIDTH, max(40, int(os.environ["COLUMNS"])))
    except (KeyError, ValueError):
        pass
    if (stream or sys.stdout).isatty():
        return min(MAX_WIDTH, shutil.get_terminal_size().columns)
    return PIPE_WIDTH


def plot_width() -> int:
    return output_width(sys.stdout)


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """Rich would exit with 1 here; the reader that went away is reported in the one
        place that maps output failures to exit codes (141, as for plain output)."""
        raise BrokenPipeError


def console(stream: TextIO | None = None, width: int | None = None) -> Console:
    """A Console for stdout (or `stream`); plain text, no markup or highlighting, when piped."""
    target = stream or sys.stdout
    width = width or output_width(target)
    return _Console(
        file=target,
        width=width,
        color_system=("truecolor" if forced() else "auto") if wants_colour(target) else None,
        force_terminal=True if forced() else None,
        markup=False,
        highlight=False,
        emoji=False,
        soft_wrap=False,
    )


@outside_budget
def emit(renderable: RenderableType, stream: TextIO | None = None) -> None:
    """Print for people: styled on a terminal; plain, without trailing blanks, elsewhere.

    A Group is written part by part, flushing each, so a long table (written in chunks) starts
    appearing at once, and a reader that goes away (`| head`) stops the work at the next part.
    """
    target = stream or sys.stdout
    out = console(target)
    parts = renderable.renderables if isinstance(renderable, Group) else [renderable]
    for part in parts:
        if wants_colour(target):
            out.print(part)
        else:
            with out.capture() as captured:
                out.print(part)
            target.write("\n".join(line.rstrip() for line in captured.get().splitlines())
                         + "\n")
        target.flush()
