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
BYTES_PER_VALUE = 770  # peak memory per start and variable (147,058 × 17 peaked at 1.92 GB)
MAX_START_VALUES = 1_200_000  # starts × variables: 70,588 × 17 peaked at 0.97 GB
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
        raise InputError(f"--starts '{shown(spec)}' asks for {total} starts; the limit is "
                         f"{MAX_STARTS} (memory).")
    if total * len(box) > MAX_START_VALUES:
        most = MAX_START_VALUES // len(box)
        needed = total * len(box) * BYTES_PER_VALUE / 1e9
        raise InputError(f"--starts '{shown(spec)}' with {len(box)} variables needs about "
                         f"{needed:.1f} GB; the limit is 1 GB, so give at most {most} starts.")
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


MERGE_DIRECTLY = 2000  # up to this many cells, close cells are merged pairwise too


def group_ends(ends: np.ndarray, width: float) -> np.ndarray:
    """A group label for each end point, in O(N log N): ends in the same cell of a grid of this
    width are one group; when the cells are few, cells whose first points lie within `width`
    of each other are merged as well (two ends either side of a cell wall are one basin)."""
    cells = np.floor(ends / width)
    _, first, labels = np.unique(cells, axis=0, return_index=True, return_inverse=True)
    labels = labels.reshape(-1)
    if len(first) <= MERGE_DIRECTLY:
        kept = merge(ends[first], width, 1.0)
        heads = ends[first][kept]
        nearest = np.argmin(np.linalg.norm(ends[first][:, None, :] - heads[None, :, :], axis=2),
                            axis=1)
        labels = nearest[labels]
    return labels


def basins(problem: Problem, outcomes: Outcomes, box: Box) -> Basins:
    """Where the runs settled: at a minimum (converged), or at a saddle or other stationary
    point that descent reached; a start that could not move is no basin of anything."""
    settled = ((outcomes.status == Status.converged)
               | ((outcomes.status == Status.stationary) & (outcomes.iterations > 0))) \
        & np.isfinite(outcomes.x).all(axis=1)
    ends = outcomes.x[settled]
    scale = float(np.linalg.norm([high - low for low, high in box]))
    membership = np.full(len(outcomes), -1)
    found: list[Basin] = []
    if len(ends):
        groups = group_ends(ends, BASIN_TOLERANCE * scale)
        counts = np.bincount(groups)
        f = outcomes.f[settled]
        by_group = np.lexsort((f, groups))  # within each group, lowest f first
        starts = np.searchsorted(groups[by_group], np.arange(len(counts)))
        best = by_group[starts]  # the member with the lowest f stands for its basin
        points = [tuple(float(v) for v in ends[member]) for member in best]
        known = [known_label(problem, x) for x in points]
        # the library's global minima first (they get the first labels), then by share of starts
        order = np.lexsort((-counts, [label != "global minimum" for label in known]))
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        membership[settled] = rank[groups]
        kinds = classify(problem, ends[best])
        for position, index in enumerate(order):
            found.append(Basin(LABELS[position] if position < len(LABELS) else "+",
                               points[index], float(f[best[index]]), kinds[index][0],
                               known[index], int(counts[index])))
    statuses = Counter(str(status) for status in outcomes.status)
    return Basins(tuple(found), membership, dict(statuses))
