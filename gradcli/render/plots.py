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

RAMP = " .:-=+*#%@"  # low f → light, high f → dense
PATH_MARKERS = "•ox+*#@%&$"


class Series(NamedTuple):
    label: str
    k: np.ndarray
    values: np.ndarray


def _key(labels: Sequence[str]) -> str:
    """Which marker is which series, for the title (a legend box would hide data)."""
    return " — " + "  ".join(f"{PATH_MARKERS[i % len(PATH_MARKERS)]} {label}"
                             for i, label in enumerate(labels))


def _figure(width: int, height: int):
    import plotext

    figure = plotext.figure
    figure.clear()
    figure.theme("simple")  # coloured lines, no painted background: right on dark terminals too
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


def _decade_ticks(figure, axis: str, values: np.ndarray, most: int) -> None:
    """Label a log10-scaled axis with powers of ten (1e-4, 1e-3, …), at most `most` of them."""
    low, high = math.floor(np.log10(values.min())), math.ceil(np.log10(values.max()))
    step = max(1, math.ceil((high - low) / most))
    ticks = list(range(low, high + 1, step))
    figure.ruler(axis).ticks(ticks, [f"1e{t}" for t in ticks])


def _decades(values: np.ndarray) -> bool:
    """Log scale helps when the values are positive (exact zeros aside: a log plot leaves them
    out) and span at least two decades."""
    positive = values[values > 0]
    return bool(positive.size) and bool((values >= 0).all()) \
        and positive.max() >= 100 * positive.min()


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
    steps = np.concatenate([s.k for s in finite]) if finite else np.array([0])
    ticks = nice_ticks(float(steps.min()), float(steps.max()))
    figure.ruler("x").ticks(ticks, [fmt(t) for t in ticks])
    key = _key([s.label for s in series]) if len(series) > 1 else ""
    figure.title(title + (" (log scale)" if log else "") + key)
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
    for index, (_, path) in enumerate(paths):
        marker = "braille" if len(paths) == 1 else PATH_MARKERS[index % len(PATH_MARKERS)]
        figure.draw(figure.signal(path[:, 0].tolist(), path[:, 1].tolist(), marker=marker).lines())
        figure.draw(figure.signal([float(path[0, 0])], [float(path[0, 1])], marker="S"))
        figure.draw(figure.signal([float(path[-1, 0])], [float(path[-1, 1])], marker="E"))
    figure.ruler("x").lim(float(grid.xs[0]), float(grid.xs[-1]))
    figure.ruler("y").lim(float(grid.ys[0]), float(grid.ys[-1]))
    key = _key([label for label, _ in paths]) if len(paths) > 1 else ""
    figure.title("f around the path: light = low, dense = high; S start, E end" + key)
    return figure.build().string(colorless=not colour)


def sweep_plot(rates: np.ndarray, finals: np.ndarray, bounds: Sequence[float], width: int,
               height: int, colour: bool) -> str:
    """Final f against the learning rate (log x; log y when it helps); a vertical line at each
    stability bound 2/λmax. Runs that blew up come as NaN and get no point."""
    kept = np.isfinite(finals)
    log = _decades(finals[kept])
    if log:
        kept &= finals > 0
    figure = _figure(width, height)
    xs = np.log10(rates[kept])
    ys = finals[kept]
    plotted = np.log10(ys) if log else ys
    if xs.size:
        figure.draw(figure.signal(xs.tolist(), plotted.tolist(), marker="•").lines())
        low, high = (float(plotted.min()), float(plotted.max())) if plotted.size else (0.0, 1.0)
        for bound in bounds:
            figure.draw(figure.signal([math.log10(bound)] * 2, [low, high], marker="|").lines())
        if log:
            _decade_ticks(figure, "y", ys, max(2, (height - 4) // 2))
    _decade_ticks(figure, "x", rates, max(2, width // 10))
    figure.title("final f against the learning rate (log scale); | marks 2/λmax")
    return figure.build().string(colorless=not colour)


def basin_map(starts: np.ndarray, membership: np.ndarray, labels: Sequence[str],
              box: Sequence[tuple[float, float]], width: int, height: int, colour: bool) -> str:
    """Each start drawn with the label of the basin its run ended in ('·' if none)."""
    figure = _figure(width, height)
    for index, label in [(-1, "·"), *enumerate(labels)]:
        chosen = starts[membership == index]
        if len(chosen):
            figure.draw(figure.signal(chosen[:, 0].tolist(), chosen[:, 1].tolist(),
                                      marker=label))
    figure.ruler("x").lim(*box[0])
    figure.ruler("y").lim(*box[1])
    figure.title("basins: each start marked with the basin its run reached (· none)")
    return figure.build().string(colorless=not colour)


def curve_plot(xs: np.ndarray, values: np.ndarray, paths: Sequence[tuple[str, np.ndarray,
                                                                         np.ndarray]],
               width: int, height: int, colour: bool) -> str:
    """f of one variable as a curve, each run's iterates (x_k, f(x_k)) joined on top: a rate
    that overshoots visibly jumps from side to side."""
    figure = _figure(width, height)
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
    key = _key([label for label, _, _ in paths])
    figure.title("f(x) and the iterates; S start, E end" + key)
    return figure.build().string(colorless=not colour)


def data_plot(x: np.ndarray, y: np.ndarray, xs: np.ndarray, fitted: np.ndarray, names: tuple,
              width: int, height: int, colour: bool) -> str:
    """The data as points and the fitted model as a curve (one feature)."""
    figure = _figure(width, height)
    figure.draw(figure.signal(x.tolist(), y.tolist(), marker="•"))
    figure.draw(figure.signal(xs.tolist(), fitted.tolist(), marker="braille").lines())
    figure.title(f"{names[1]} against {names[0]}: • data, line the fitted model")
    return figure.build().string(colorless=not colour)


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
