"""Did a step jump over a pole of f? A learner should hear when descent crossed a place where f
is unbounded (`x**2 + 1/x` from −1 leaps over x = 0 at step 3): the point reached then lies in
another region, and f on the far side of the pole has nothing to do with where the run began.

A pole shows as |f| that keeps growing as the segment between two iterates is sampled ever more
finely around its largest value; a smooth bump stops growing after the first zoom.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from gradcli.engine.compile import evaluate
from gradcli.engine.problem import Problem

SAMPLES = 65  # per segment and zoom
ZOOMS = 6  # each narrows the interval 32-fold around the largest |f|
BLOW_UP = 1e6  # |f| this many times the ends' (or non-finite) inside a segment: a pole
CANDIDATES = 1000  # segments examined per run, the first ones where f rose or changed sign


class Jump(NamedTuple):
    step: int
    before: np.ndarray
    after: np.ndarray
    f_before: float
    f_after: float
    pole: np.ndarray  # the sampled point nearest the pole
    height: float  # |f| there (inf where f is undefined)


def _values(problem: Problem, points: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.abs(evaluate(problem.value_function, points)[:, 0])


class _Pole(NamedTuple):
    point: np.ndarray
    height: float


def _pole_on(problem: Problem, a: np.ndarray, b: np.ndarray, scale: float) -> _Pole | None:
    """The sampled point of the segment a → b nearest a pole of f, or None when |f| stays
    below BLOW_UP times the ends' scale however finely it is sampled."""
    low, high = 0.0, 1.0
    for _ in range(ZOOMS):
        t = np.linspace(low, high, SAMPLES)
        values = _values(problem, a + t[:, None] * (b - a))
        if not np.isfinite(values).all():
            return _Pole(a + t[int(np.argmin(np.isfinite(values)))] * (b - a), np.inf)
        best = int(np.argmax(values))
        width = (high - low) / (SAMPLES - 1)
        low, high = max(0.0, t[best] - width), min(1.0, t[best] + width)
    largest = float(values[best])
    return _Pole(a + t[best] * (b - a), largest) if largest > BLOW_UP * scale else None


def first_jump(problem: Problem, k: np.ndarray, x: np.ndarray, f: np.ndarray) -> Jump | None:
    """The first recorded step (rows k, x, f one step apart) whose segment crosses a pole.

    One coarse pass over every candidate segment at once; only a segment where |f| already
    rises tenfold above its ends is zoomed into.
    """
    with np.errstate(invalid="ignore"):
        consecutive = np.diff(k) == 1
        suspicious = (f[1:] > f[:-1]) | (np.sign(f[1:]) != np.sign(f[:-1]))
        scale = np.maximum(1.0, np.maximum(np.abs(f[1:]), np.abs(f[:-1])))
    finite = np.isfinite(x).all(axis=1)
    rows = np.flatnonzero(consecutive & suspicious & finite[1:] & finite[:-1]
                          & np.isfinite(scale))[:CANDIDATES]
    if not len(rows):
        return None
    t = np.linspace(0.0, 1.0, SAMPLES)[None, :, None]
    a, b = x[rows][:, None, :], x[rows + 1][:, None, :]
    values = _values(problem, (a + t * (b - a)).reshape(-1, x.shape[1])).reshape(len(rows), -1)
    with np.errstate(invalid="ignore"):
        rising = ~(values.max(axis=1) <= 10 * scale[rows])  # NaN counts as rising
    for row in rows[rising]:
        pole = _pole_on(problem, x[row], x[row + 1], float(scale[row]))
        if pole is not None:
            return Jump(int(k[row + 1]), x[row], x[row + 1], float(f[row]), float(f[row + 1]),
                        *pole)
    return None
