"""f sampled on a grid around a set of points: the data behind the terminal map."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from gradcli.engine.compile import evaluate
from gradcli.engine.problem import Problem

Box = tuple[tuple[float, float], tuple[float, float]]


class SurfaceGrid(NamedTuple):
    xs: np.ndarray  # (columns,)
    ys: np.ndarray  # (rows,)
    values: np.ndarray  # (rows, columns); NaN where f is undefined


def box_around(points: np.ndarray, margin: float = 0.25) -> Box:
    """The points' bounding box, widened by `margin` of its size (and never empty)."""
    finite = points[np.isfinite(points).all(axis=1)]
    low, high = finite.min(axis=0), finite.max(axis=0)
    span = np.maximum(high - low, 1e-3 * np.maximum(1.0, np.abs(high)))
    pad = np.where(high - low > 0, margin * span, span)
    return ((float(low[0] - pad[0]), float(high[0] + pad[0])),
            (float(low[1] - pad[1]), float(high[1] + pad[1])))


CELL_ASPECT = 2.0  # a terminal character is about twice as tall as it is wide
MAP_FRAME = 8  # columns of a terminal map taken by its y ticks and border


def map_box(points: np.ndarray, width: int, rows: int) -> Box:
    """The box around the points for a terminal map `width` characters wide and `rows` tall,
    widened across or down so one unit spans the same distance both ways: circles stay round
    and ∇f stays perpendicular to the contours, at any terminal width."""
    (x0, x1), (y0, y1) = box_around(points)
    wanted = (width - MAP_FRAME) / (CELL_ASPECT * rows)  # Δx/Δy that looks square
    dx, dy = x1 - x0, y1 - y0
    if dx < wanted * dy:
        middle, dx = (x0 + x1) / 2, wanted * dy
        x0, x1 = middle - dx / 2, middle + dx / 2
    else:
        middle, dy = (y0 + y1) / 2, dx / wanted
        y0, y1 = middle - dy / 2, middle + dy / 2
    return (x0, x1), (y0, y1)


def surface_grid(problem: Problem, box: Box, columns: int, rows: int) -> SurfaceGrid:
    xs = np.linspace(box[0][0], box[0][1], columns)
    ys = np.linspace(box[1][0], box[1][1], rows)
    grid_x, grid_y = np.meshgrid(xs, ys)
    points = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    values = evaluate(problem.value_and_gradient, points)[:, 0].reshape(rows, columns)
    return SurfaceGrid(xs, ys, np.where(np.isfinite(values), values, np.nan))


class Curve(NamedTuple):
    xs: np.ndarray
    values: np.ndarray  # NaN where f is undefined


RUNAWAY = 100.0  # a path is drawn until it leaves this many times the start's scale


def drawn_steps(x: np.ndarray) -> int:
    """How many leading points of a path to draw: all of them, unless it runs away (a
    divergence to 1e100 would flatten every jump): then those within RUNAWAY × max(1, ‖x₀‖) of
    the start, so the first swings stay visible (at least two points)."""
    finite = np.isfinite(x).all(axis=1)
    reach = RUNAWAY * max(1.0, float(np.linalg.norm(x[0])))
    with np.errstate(all="ignore"):
        far = ~finite | (np.linalg.norm(np.where(finite[:, None], x - x[0], 0.0), axis=1) > reach)
    return len(x) if not far.any() else max(int(np.argmax(far)), 2)


def interval_around(points: np.ndarray, margin: float = 0.25) -> tuple[float, float]:
    """For one variable: the range of the points, widened as `box_around` widens a box."""
    doubled = np.column_stack([points[:, 0], points[:, 0]])
    return box_around(doubled, margin)[0]


def curve(problem: Problem, interval: tuple[float, float], count: int) -> Curve:
    """f of one variable sampled at `count` points of an interval."""
    xs = np.linspace(interval[0], interval[1], count)
    values = evaluate(problem.value_and_gradient, xs[:, None])[:, 0]
    return Curve(xs, np.where(np.isfinite(values), values, np.nan))
