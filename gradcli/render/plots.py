"""Terminal plots drawn with characters (plotext 6's figure API), returned as strings.

plotext is imported here only, and only when a plot is drawn: it is slow to import.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from gradcli.explore.surface import SurfaceGrid
from gradcli.render.numbers import fmt
from gradcli.symbolic.budget import outside_budget

RAMP = " .·:-~=≡░▒"  # low f → light, high f → dense; no path marker is among these
PATH_MARKERS = "●○◆◇▲△■□★☆"
# Okabe & Ito's colour-blind-safe palette, readable on dark and light terminals (its yellow
# and black left out), and a mid grey for the shading of f.
PATH_COLOURS = [(230, 159, 0), (86, 180, 233), (0, 158, 115), (0, 114, 178), (213, 94, 0),
                (204, 121, 167)]
SHADE_COLOUR = (150, 150, 150)


class Series(NamedTuple):
    label: str
    k: np.ndarray
    values: np.ndarray


def _key(labels: Sequence[str]) -> str:
    """Which marker is which series, printed under the plot (a title too long for the width
    would be dropped, and a legend box would hide data)."""
    return "  ".join(f"{PATH_MARKERS[i % len(PATH_MARKERS)]} {label}"
                     for i, label in enumerate(labels))


def _figure(width: int, height: int, colours: Sequence[tuple[int, int, int]] | None = None):
    """The global plotext figure, cleared, with `colours` given to its signals in turn."""
    import plotext
    from plotext._settings.themes import add_theme

    figure = plotext.figure
    figure.clear()
    add_theme("gradcli", sequence=list(colours or PATH_COLOURS))  # no painted background
    figure.theme("gradcli")
    plotext.terminal.limit(False, False)
    figure.plot_size(width, height)
    return figure


def _one_colour_per_path(count: int) -> list[tuple[int, int, int]]:
    """Signal colours for a picture of f with paths on it: grey for f, then path i in
    PATH_COLOURS[i] for its line, its S and its E — the colour it has in the convergence plot."""
    return [SHADE_COLOUR] + [PATH_COLOURS[i % len(PATH_COLOURS)] for i in range(count)
                             for _ in range(3)]


def nice_ticks(low: float, high: float, count: int = 6) -> list[float]:
    """Round tick positions (1, 2 or 5 times a power of ten) covering [low, high]."""
    if not high > low:
        return [low]
    raw = (high - low) / max(1, count - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(low / step) * step
    return [first + i * step for i in range(int((high - first) / step + 1e-9) + 1)]


def _decade_ticks(figure, axis: str, values: np.ndarray, most: int) -> None:
    """Label a log10-scaled axis with whole decades, evenly spaced: every 1, 2, 5, 10, 20, …
    decades (multiples of that step), at most `most` of them."""
    low, high = math.floor(np.log10(values.min())), math.ceil(np.log10(values.max()))
    step = next(m * 10**e for e in range(6) for m in (1, 2, 5)
                if (high - low) / (m * 10**e) <= max(1, most - 1))
    first = math.floor(low / step) * step
    ticks = [t for t in range(first, high + step, step) if low <= t <= high] or [low]
    figure.ruler(axis).ticks(ticks, [f"1e{t}" for t in ticks])


def _round_ticks(figure, axis: str, low: float, high: float, count: int = 6) -> None:
    """Round numbers (1, 2 or 5 times a power of ten) on a linear axis, written in full."""
    ticks = nice_ticks(low, high, count)
    figure.ruler(axis).ticks(ticks, [fmt(t, 6) for t in ticks])


def _decades(values: np.ndarray) -> bool:
    """Log scale helps when the values are positive (exact zeros aside: a log plot leaves them
    out) and span at least two decades."""
    positive = values[values > 0]
    return bool(positive.size) and bool((values >= 0).all()) \
        and positive.max() >= 100 * positive.min()


@outside_budget
def convergence_plot(series: Sequence[Series], title: str, width: int, height: int,
                     colour: bool) -> str:
    """Each series against k; log10 on y (with 1eN tick labels) when that helps."""
    finite = [s._replace(values=np.asarray(s.values, float)) for s in series]
    finite = [s._replace(k=s.k[np.isfinite(s.values)], values=s.values[np.isfinite(s.values)])
              for s in finite]
    pooled = np.concatenate([s.values for s in finite]) if finite else np.array([])
    log = _decades(pooled)
    if log:
        finite = [s._replace(k=s.k[s.values > 0], values=s.values[s.values > 0]) for s in finite]
        pooled = pooled[pooled > 0]
    figure = _figure(width, height)
    for index, s in enumerate(finite):
        if not s.values.size:
            continue
        ys = np.log10(s.values) if log else s.values
        marker = PATH_MARKERS[index % len(PATH_MARKERS)] if len(series) > 1 else "braille"
        figure.draw(figure.signal(s.k.tolist(), ys.tolist(), marker=marker).lines())
    if log and pooled.size:
        _decade_ticks(figure, "y", pooled, max(2, (height - 4) // 2))
    elif pooled.size and pooled.max() > pooled.min():
        _round_ticks(figure, "y", float(pooled.min()), float(pooled.max()),
                     max(2, (height - 4) // 2))
    steps = np.concatenate([s.k for s in finite]) if finite else np.array([0])
    ticks = nice_ticks(float(steps.min()), float(steps.max()))
    figure.ruler("x").ticks(ticks, [fmt(t) for t in ticks])
    figure.title(title + (" (log scale)" if log else ""))
    text = figure.build().string(colorless=not colour)
    return text + ("\n" + _key([s.label for s in series]) if len(series) > 1 else "")


@outside_budget
def surface_map(grid: SurfaceGrid, paths: Sequence[tuple[str, np.ndarray]], width: int,
                height: int, colour: bool) -> str:
    """f as shaded characters (equal-count bands, light = low, in grey) with each path drawn on
    top in its own colour and marker; the key is printed under the map."""
    figure = _figure(width, height, _one_colour_per_path(len(paths)))
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
    for index, (_, path) in enumerate(paths):
        marker = "braille" if len(paths) == 1 else PATH_MARKERS[index % len(PATH_MARKERS)]
        figure.draw(figure.signal(path[:, 0].tolist(), path[:, 1].tolist(), marker=marker).lines())
        figure.draw(figure.signal([float(path[0, 0])], [float(path[0, 1])], marker="S"))
        figure.draw(figure.signal([float(path[-1, 0])], [float(path[-1, 1])], marker="E"))
    figure.ruler("x").lim(float(grid.xs[0]), float(grid.xs[-1]))
    figure.ruler("y").lim(float(grid.ys[0]), float(grid.ys[-1]))
    _round_ticks(figure, "x", float(grid.xs[0]), float(grid.xs[-1]), max(2, width // 12))
    _round_ticks(figure, "y", float(grid.ys[0]), float(grid.ys[-1]), max(2, height // 5))
    figure.title("f around the path: light = low, dense = high; S start, E end")
    text = figure.build().string(colorless=not colour)
    return text + ("\n" + _key([label for label, _ in paths]) if len(paths) > 1 else "")


@outside_budget
def sweep_plot(rates: np.ndarray, finals: np.ndarray, steps: np.ndarray, diverged: np.ndarray,
               bounds: Sequence[float], width: int, height: int, colour: bool) -> str:
    """Two panels against the learning rate (log x): the final f of every rate as a point
    (diverged rates as ✕ along the top), and the steps to tolerance of the rates that
    converged; a vertical line at each stability bound 2/λmax."""
    panels = []
    for values, title, marked in (
            (np.where(diverged, np.nan, finals), "final f against the learning rate η", True),
            (steps, "steps to tolerance against η (converged rates)", False)):
        kept = np.isfinite(values)
        log = _decades(values[kept])
        if log:
            kept &= values > 0
        figure = _figure(width, height)
        xs, ys = np.log10(rates[kept]), values[kept]
        plotted = np.log10(ys) if log else ys
        low, high = (float(plotted.min()), float(plotted.max())) if plotted.size else (0.0, 1.0)
        if xs.size:
            figure.draw(figure.signal(xs.tolist(), plotted.tolist(), marker="●"))
        if marked and diverged.any():
            figure.draw(figure.signal(np.log10(rates[diverged]).tolist(),
                                      [high] * int(diverged.sum()), marker="✕"))
        for bound in bounds:
            figure.draw(figure.signal([math.log10(bound)] * 2, [low, high], marker="│").lines())
        if log and ys.size:
            _decade_ticks(figure, "y", ys, max(2, (height - 4) // 2))
        elif plotted.size and high > low:
            _round_ticks(figure, "y", low, high, max(2, (height - 4) // 2))
        _decade_ticks(figure, "x", rates, max(2, width // 10))
        figure.title(title + (" (log scale)" if log else ""))
        panels.append(figure.build().string(colorless=not colour))
    key = "● a rate; ✕ diverged; │ 2/λmax" if bounds else "● a rate; ✕ diverged"
    return "\n".join(panels) + "\n" + key


MAP_LABELS = 20  # basins labelled on the map; the rest are drawn as "other"


@outside_budget
def basin_map(starts: np.ndarray, membership: np.ndarray, labels: Sequence[str],
              box: Sequence[tuple[float, float]], width: int, height: int, colour: bool,
              known: Sequence[bool] = (), minima: Sequence[Sequence[float]] = ()) -> str:
    """Each character cell of the plane marked with the basin most of its starts reached:
    the MAP_LABELS largest basins (and every basin at a known global minimum) by their labels,
    the others as '+', none as '·'; cells without a start take their neighbours' mark (no
    blank stripes); the key under the map says how many basins were grouped."""
    counts = np.bincount(membership[membership >= 0], minlength=len(labels))
    order = np.argsort(-counts, kind="stable")
    named = set(order[:MAP_LABELS].tolist()) | {i for i, k in enumerate(known) if k}
    marks = np.array([labels[i] if i in named else "+" for i in range(len(labels))] + ["·"])
    columns, rows = 2 * width, 2 * height  # more points than character cells: no gaps
    cells = _raster(starts, np.where(membership >= 0, membership, len(labels)), box, columns,
                    rows, len(labels) + 1)
    figure = _figure(width, height)
    xs = np.linspace(box[0][0], box[0][1], columns)
    ys = np.linspace(box[1][0], box[1][1], rows)
    grid_x, grid_y = np.meshgrid(xs, ys)
    figure.draw(figure.signal(grid_x.ravel().tolist(), grid_y.ravel().tolist(),
                              marker=marks[cells].ravel().tolist()))
    for point in minima:
        figure.draw(figure.signal([float(point[0])], [float(point[1])], marker="★"))
    figure.ruler("x").lim(*box[0])
    figure.ruler("y").lim(*box[1])
    _round_ticks(figure, "x", *box[0], max(2, width // 12))
    _round_ticks(figure, "y", *box[1], max(2, height // 5))
    figure.title("basins: each region marked with the basin its starts reached")
    grouped = len(labels) - len([i for i in named if i < len(labels)])
    key = "labels as in the table; + another basin" if grouped else "labels as in the table"
    key += f" ({grouped} basins grouped)" if grouped else ""
    key += "; · no basin" + ("; ★ a global minimum" if len(minima) else "")
    return figure.build().string(colorless=not colour) + "\n" + key


def _raster(points: np.ndarray, classes: np.ndarray, box, columns: int, rows: int,
            count: int) -> np.ndarray:
    """(rows, columns) of the most frequent class among the points in each cell, empty cells
    filled from their filled neighbours."""
    col = np.clip(((points[:, 0] - box[0][0]) / (box[0][1] - box[0][0]) * columns).astype(int),
                  0, columns - 1)
    row = np.clip(((points[:, 1] - box[1][0]) / (box[1][1] - box[1][0]) * rows).astype(int),
                  0, rows - 1)
    tally = np.zeros((rows * columns, count), dtype=np.int64)
    np.add.at(tally, (row * columns + col, classes), 1)
    filled = tally.sum(axis=1) > 0
    cells = np.where(filled, tally.argmax(axis=1), -1).reshape(rows, columns)
    for _ in range(rows + columns):  # grow filled cells into empty ones
        if (cells >= 0).all():
            break
        grown = cells.copy()
        for dr, dc in ((0, 1), (0, -1), (1, 0), (-1, 0)):
            shifted = np.roll(cells, (dr, dc), axis=(0, 1))
            take = (grown < 0) & (shifted >= 0)
            grown[take] = shifted[take]
        cells = grown
    return np.where(cells >= 0, cells, count - 1)


@outside_budget
def curve_plot(xs: np.ndarray, values: np.ndarray, paths: Sequence[tuple[str, np.ndarray,
                                                                         np.ndarray]],
               width: int, height: int, colour: bool) -> str:
    """f of one variable as a curve, each run's iterates (x_k, f(x_k)) joined on top: a rate
    that overshoots visibly jumps from side to side."""
    figure = _figure(width, height, _one_colour_per_path(len(paths)))  # as in the map
    keep = np.isfinite(values)
    figure.draw(figure.signal(xs[keep].tolist(), values[keep].tolist(), marker="braille")
                .lines())
    for index, (_, px, pf) in enumerate(paths):
        good = np.isfinite(px) & np.isfinite(pf)
        if not good.any():
            continue
        marker = PATH_MARKERS[index % len(PATH_MARKERS)]
        figure.draw(figure.signal(px[good].tolist(), pf[good].tolist(), marker=marker).lines())
        figure.draw(figure.signal([float(px[good][0])], [float(pf[good][0])], marker="S"))
        figure.draw(figure.signal([float(px[good][-1])], [float(pf[good][-1])], marker="E"))
    figure.ruler("x").lim(float(xs[0]), float(xs[-1]))
    _round_ticks(figure, "x", float(xs[0]), float(xs[-1]), max(2, width // 12))
    figure.title("f(x) and the iterates; S start, E end")
    return figure.build().string(colorless=not colour) + "\n" + _key(
        [label for label, _, _ in paths])


@outside_budget
def data_plot(x: np.ndarray, y: np.ndarray, xs: np.ndarray, fitted: np.ndarray, names: tuple,
              width: int, height: int, colour: bool) -> str:
    """The data as points and the fitted model as a curve (one feature)."""
    figure = _figure(width, height)
    figure.draw(figure.signal(x.tolist(), y.tolist(), marker="•"))
    figure.draw(figure.signal(xs.tolist(), fitted.tolist(), marker="braille").lines())
    figure.title(f"{names[1]} against {names[0]}: • data, line the fitted model")
    return figure.build().string(colorless=not colour)


@outside_budget
def scatter_plot(groups: Sequence[tuple[str, str, np.ndarray]], path: np.ndarray | None,
                 title: str, width: int, height: int, colour: bool) -> str:
    """Points in the plane, one marker per group (marker, label, points), and optionally one
    path drawn through them (a tracked word)."""
    figure = _figure(width, height)
    for marker, _, points in groups:
        if len(points):
            figure.draw(figure.signal(points[:, 0].tolist(), points[:, 1].tolist(),
                                      marker=marker))
    if path is not None and len(path):
        figure.draw(figure.signal(path[:, 0].tolist(), path[:, 1].tolist(), marker="braille")
                    .lines())
        figure.draw(figure.signal([float(path[0, 0])], [float(path[0, 1])], marker="S"))
        figure.draw(figure.signal([float(path[-1, 0])], [float(path[-1, 1])], marker="E"))
    key = "  ".join(f"{marker} {label}" for marker, label, _ in groups)
    figure.title(f"{title} — {key}")
    return figure.build().string(colorless=not colour)
