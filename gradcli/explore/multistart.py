"""Many starts, one batch: where does descent end from each start, and how often?

The end points of the runs that stopped at a stationary point are grouped into basins (points
closer than a thousandth of the box's diagonal are one); each basin is classified by the
Hessian and, for a library function, matched with the points it lists.
"""

from __future__ import annotations

from collections import Counter
from typing import NamedTuple

import numpy as np

from gradcli.counts import parse_count, shown
from gradcli.engine.outcome import Outcomes
from gradcli.engine.problem import Problem
from gradcli.engine.result import Status
from gradcli.errors import InputError
from gradcli.explore.critical_points import Box, classify, known_label, merge

MAX_STARTS = 250_000
BASIN_TOLERANCE = 1e-3  # of the box's diagonal


def starting_points(spec: str, box: Box, seed: int | None) -> np.ndarray:
    """`random:N` (uniform in the box, seeded) or `grid:G` (G points per axis, G^n in all)."""
    kind, _, count_text = spec.partition(":")
    count = parse_count(count_text)
    if kind not in ("random", "grid") or count is None:
        raise InputError(f"--starts '{shown(spec)}': write random:N or grid:G, such as "
                         "random:500 or grid:20.")
    least = 2 if kind == "grid" else 1
    if count < least:
        raise InputError(f"--starts '{spec}': the count must be at least {least}.")
    total = count if kind == "random" else count ** len(box)
    if total > MAX_STARTS:
        raise InputError(f"--starts '{spec}' asks for {total} starts; the limit is {MAX_STARTS} "
                         "(memory).")
    low = np.array([b[0] for b in box])
    high = np.array([b[1] for b in box])
    if kind == "random":
        return np.random.default_rng(seed or 0).uniform(low, high, size=(count, len(box)))
    axes = [np.linspace(lo, hi, count) for lo, hi in box]
    return np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, len(box))


class Basin(NamedTuple):
    label: str
    x: tuple[float, ...]
    f: float
    kind: str
    known: str
    count: int


class Basins(NamedTuple):
    basins: tuple[Basin, ...]
    membership: np.ndarray  # (B,) basin index of each run, -1 where it did not stop at one
    statuses: dict[str, int]


LABELS = "123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def basins(problem: Problem, outcomes: Outcomes, box: Box) -> Basins:
    settled = np.isin(outcomes.status, [Status.converged, Status.stationary]) \
        & np.isfinite(outcomes.x).all(axis=1)
    ends = outcomes.x[settled]
    scale = float(np.linalg.norm([high - low for low, high in box]))
    membership = np.full(len(outcomes), -1)
    found: list[Basin] = []
    if len(ends):
        representatives = ends[merge(ends, scale, BASIN_TOLERANCE)]
        distances = np.linalg.norm(ends[:, None, :] - representatives[None, :, :], axis=2)
        nearest = np.argmin(distances, axis=1)
        counts = np.bincount(nearest, minlength=len(representatives))
        order = np.argsort(-counts, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        membership[settled] = rank[nearest]
        f = outcomes.f[settled]
        kinds = classify(problem, representatives)
        for position, index in enumerate(order):
            # the member with the lowest f stands for the basin
            members = np.flatnonzero(nearest == index)
            best = members[np.argmin(f[members])]
            x = tuple(float(v) for v in ends[best])
            found.append(Basin(LABELS[position] if position < len(LABELS) else "+", x,
                               float(f[best]), kinds[index][0], known_label(problem, x),
                               int(counts[index])))
    statuses = Counter(str(status) for status in outcomes.status)
    return Basins(tuple(found), membership, dict(statuses))
