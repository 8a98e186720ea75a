"""--save and --animate: the pictures of a finished run, as files or redrawn in the terminal.

Wiring only: the data (grids of f, curves) come from `explore.surface`, the drawing from
`render.images` (matplotlib) and `render.plots` (characters).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Annotated

import typer

from gradcli import interrupts
from gradcli.symbolic.budget import outside_budget

Save = Annotated[str | None, typer.Option(
    "--save", metavar="FILE",
    help="Also write the figure to FILE: .png, .svg or .pdf, or .gif for an animation of the "
         "path(s) (needs the images extra: pip install \"gradcli[images]\").",
    show_default=False)]
Figure = Annotated[str | None, typer.Option(
    "--save", metavar="FILE",
    help="Also write the figure to FILE: .png, .svg or .pdf (needs the images extra: pip "
         "install \"gradcli[images]\").",
    show_default=False)]
Fps = Annotated[float, typer.Option(
    "--fps", help="Frames per second of a .gif (--save) or of --animate.")]
Animate = Annotated[bool, typer.Option(
    "--animate", help="On a terminal: redraw the map (or, for one variable, the curve) in "
                      "place as the path grows, then print the usual output.")]

DEFAULT_FPS = 10.0
MAX_FPS = 100.0
ANIMATION_FRAMES = 120  # a terminal animation shows at most this many frames


def check_fps(fps: float) -> None:
    from gradcli.errors import InputError

    if not 0 < fps <= MAX_FPS:
        raise InputError(f"--fps must be a number in (0, {MAX_FPS:g}], not {fps:g}.")


def target_of(save: str | None, still: str | None = None):
    """The checked --save target (before any work is done), or None. `still` names a view that
    draws a figure, never an animation: a .gif is refused for it."""
    if save is None:
        return None
    from gradcli.errors import InputError
    from gradcli.render.images import check_target

    target = check_target(save)
    if still is not None and target.format == "gif":
        raise InputError(f"--save for {still} draws a figure, not an animation: use .png, .svg "
                         "or .pdf.")
    return target


def _runs(labels: Sequence[str], results) -> list:
    from gradcli.render.images import Run

    return [Run(label, r.history.k, r.history.x, r.history.f, r.history.grad_norm)
            for label, r in zip(labels, results, strict=True)]


def _drawable(problem) -> int:
    """1 or 2 for a function that has a picture of f (a curve or a map), else 0."""
    from gradcli.cli.options import is_large

    if is_large(problem):
        return 0
    return len(problem.variables) if len(problem.variables) in (1, 2) else 0


@outside_budget
def scenery(problem, runs, columns: int = 160, rows: int = 160):
    """The map of f around every path (two variables) or the curve (one), and known minima,
    sampled on `columns` × `rows` points (a file wants more than a terminal)."""
    import numpy as np

    from gradcli.explore.surface import (
        box_around,
        curve,
        drawn_steps,
        interval_around,
        surface_grid,
    )

    points = np.vstack([run.x[:drawn_steps(run.x)] for run in runs])  # a run-away's first swings
    finite = points[np.isfinite(points).all(axis=1)]
    minima = [m.point for m in problem.entry.minima] if problem.entry is not None else []
    if _drawable(problem) == 2 and len(finite):
        box = box_around(finite)
        inside = [m for m in minima if box[0][0] <= m[0] <= box[0][1]
                  and box[1][0] <= m[1] <= box[1][1]]
        return surface_grid(problem, box, columns, rows), None, inside
    if _drawable(problem) == 1 and len(finite):
        return None, curve(problem, interval_around(finite), max(columns, rows) * 2), []
    return None, None, []


def saved(results: list, target, save: Callable[[], None]) -> list:
    """The results after writing their picture with `save`; Ctrl-C while the picture is drawn
    leaves no file, and each result says so with status interrupted."""
    from gradcli.engine.result import Status

    try:
        save()
    except KeyboardInterrupt:
        interrupts.consume()
        return [result._replace(status=Status.interrupted, message=(
            f"{result.message} The picture {target.path} was not written: interrupted "
            f"({interrupts.cause()}) "
            "while it was drawn.")) for result in results]
    return results


@outside_budget
def save_paths(target, problem, labels: Sequence[str], results, title: str,
               fps: float) -> None:
    from gradcli.render import images

    runs = _runs(labels, results)
    grid, line, minima = scenery(problem, runs)
    names = [str(v) for v in getattr(problem, "variables", ())]
    if target.format == "gif":
        images.animation(target, title, runs, grid, line, minima, fps, names)
    else:
        images.paths_figure(target, title, runs, grid, line, minima, names)


@outside_budget
def save_points(target, problem, region, groups, title: str, legend_title: str) -> None:
    """Points over the map of f in a region: basins, critical points."""
    from gradcli.errors import InputError
    from gradcli.explore.surface import surface_grid
    from gradcli.render import images

    if target.format == "gif" or _drawable(problem) != 2:
        raise InputError("--save draws this view over the map of a function of two variables "
                         "as .png, .svg or .pdf.")
    grid = surface_grid(problem, (tuple(region[0]), tuple(region[1])), 160, 160)
    images.points_figure(target, title, grid, groups, legend_title,
                         [str(v) for v in problem.variables])


def check_animate(problem) -> None:
    """--animate draws a map or a curve: refuse it before the run for any other function."""
    from gradcli.errors import InputError

    if not _drawable(problem):
        raise InputError("--animate redraws the map of a function of one or two variables; "
                         "this one has more.")


@outside_budget
def animate(problem, labels: Sequence[str], results, fps: float) -> None:
    """Replay the path(s) growing on the terminal map or curve, redrawn in place; Ctrl-C
    stops the replay (the result is kept and printed as usual)."""
    import time

    from gradcli.render import images
    from gradcli.render.console import console, plot_width, wants_colour

    if not sys.stdout.isatty():
        sys.stderr.write("note: --animate needs a terminal; the usual output follows.\n")
        return
    from rich.live import Live
    from rich.text import Text

    runs = _runs(labels, results)
    width, colour = plot_width(), wants_colour(sys.stdout)
    grid, line, _ = scenery(problem, runs, width, 22)
    longest = max(len(run.k) for run in runs)
    frames = images.frame_steps(longest, ANIMATION_FRAMES)

    def frame(upto: int) -> Text:
        from gradcli.render.plots import curve_plot, surface_map

        if grid is not None:
            text = surface_map(grid, [(run.label, run.x[:upto]) for run in runs], width, 24,
                               colour)
        else:
            text = curve_plot(line.xs, line.values,
                              [(run.label, run.x[:upto, 0], run.f[:upto]) for run in runs],
                              width, 20, colour)
        steps = max(int(run.k[min(upto, len(run.k)) - 1]) for run in runs)
        return Text.from_ansi(text + f"\nk = {steps}")

    try:
        with Live(frame(int(frames[0])), console=console(), auto_refresh=False,
                  transient=False) as live:
            for upto in frames[1:]:
                time.sleep(1 / fps)
                if interrupts.flag[0]:  # Ctrl-C stops the replay, not the command
                    raise KeyboardInterrupt
                live.update(frame(int(upto)), refresh=True)
    except KeyboardInterrupt:
        interrupts.consume()
        sys.stderr.write("note: animation stopped; the result follows.\n")
