"""Terminal plots drawn with characters (plotext 6's figure API), returned as strings.

plotext is imported here only, and only when a plot is drawn: it is slow to import.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from gradcli.render.numbers import fmt
from gradcli.surface import SurfaceGrid

RAMP = " .:-=+*#%@"  # low f → light, high f → dense
PATH_MARKERS = "•ox+*#@%&$"


class Series(NamedTuple):
    label: str
    k: np.ndarray
    values: np.ndarray


def _figure(width: int, height: int):
    import plotext

    figure = plotext.figure
    figure.clear()
    plotext.terminal.limit(False, False)
    figure.plot_size(width, height)
    return figure


def nice_ticks(low: float, high: float, count: int = 6) -> list[float]:
    """Round tick positions (1, 2 or 5 times a power of ten) covering [low, high]."""
    if not high > low:
        return [low]
    raw = (high - low) / max(1, count - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(low / step) * step
    return [first + i * step for i in range(int((high - first) / step + 1e-9) + 1)]


def _decades(values: np.ndarray) -> bool:
    """Log scale helps when every value is positive and they span at least two decades."""
    return bool(values.size) and bool((values > 0).all()) and values.max() >= 100 * values.min()


def convergence_plot(series: Sequence[Series], title: str, width: int, height: int,
                     colour: bool) -> str:
    """Each series against k; log10 on y (with 1eN tick labels) when that helps."""
    finite = [s._replace(values=np.asarray(s.values, float)) for s in series]
    finite = [s._replace(k=s.k[np.isfinite(s.values)], values=s.values[np.isfinite(s.values)])
              for s in finite]
    pooled = np.concatenate([s.values for s in finite]) if finite else np.array([])
    log = _decades(pooled)
    figure = _figure(width, height)
    for index, s in enumerate(finite):
        if not s.values.size:
            continue
        ys = np.log10(s.values) if log else s.values
        signal = figure.signal(s.k.tolist(), ys.tolist(),
                               marker=PATH_MARKERS[index % len(PATH_MARKERS)] if len(series) > 1
                               else "braille").lines()
        figure.draw(signal.label(s.label) if len(series) > 1 else signal)
    if log and pooled.size:
        low, high = math.floor(np.log10(pooled.min())), math.ceil(np.log10(pooled.max()))
        step = max(1, (high - low) // max(1, (height - 4) // 2))
        ticks = list(range(low, high + 1, step))
        figure.ruler("y").ticks(ticks, [f"1e{t}" for t in ticks])
    steps = np.concatenate([s.k for s in finite]) if finite else np.array([0])
    ticks = nice_ticks(float(steps.min()), float(steps.max()))
    figure.ruler("x").ticks(ticks, [fmt(t) for t in ticks])
    figure.title(title + (" (log scale)" if log else ""))
    return figure.build().string(colorless=not colour)


def surface_map(grid: SurfaceGrid, paths: Sequence[tuple[str, np.ndarray]], width: int,
                height: int, colour: bool) -> str:
    """f as shaded characters (equal-count bands, light = low) with each path drawn on top."""
    figure = _figure(width, height)
    values = grid.values
    finite = np.isfinite(values)
    shade = np.full(values.shape, " ", dtype="<U1")
    if finite.any():
        ranks = np.argsort(np.argsort(values[finite]))
        levels = (ranks * len(RAMP) // max(1, ranks.size)).clip(0, len(RAMP) - 1)
        shade[finite] = np.array(list(RAMP))[levels]
    grid_x, grid_y = np.meshgrid(grid.xs, grid.ys)
    figure.draw(figure.signal(grid_x.ravel().tolist(), grid_y.ravel().tolist(),
                              marker=shade.ravel().tolist()))
    for index, (label, path) in enumerate(paths):
        marker = "braille" if len(paths) == 1 else PATH_MARKERS[index % len(PATH_MARKERS)]
        line = figure.signal(path[:, 0].tolist(), path[:, 1].tolist(), marker=marker).lines()
        figure.draw(line.label(label) if len(paths) > 1 else line)
        figure.draw(figure.signal([float(path[0, 0])], [float(path[0, 1])], marker="S"))
        figure.draw(figure.signal([float(path[-1, 0])], [float(path[-1, 1])], marker="E"))
    figure.ruler("x").lim(float(grid.xs[0]), float(grid.xs[-1]))
    figure.ruler("y").lim(float(grid.ys[0]), float(grid.ys[-1]))
    figure.title("f around the path: light = low, dense = high; S start, E end")
    return figure.build().string(colorless=not colour)
