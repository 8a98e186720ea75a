"""`compare` and `sweep`: several methods, or many learning rates, as one batch.

Their specs are parsed here (eagerly, one sentence per mistake), and the learning-rate lesson is
drawn here: which rates were too small, good, or too big, against the stability bound 2/λmax.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from gradcli.counts import parse_count, shown
from gradcli.engine.compile import evaluate
from gradcli.engine.diagnosis import (
    evidence_of,
    exploding,
    frozen_since,
    not_descending,
    rate_too_small,
)
from gradcli.engine.optimizers import rule_named
from gradcli.engine.result import Result, Status
from gradcli.errors import InputError
from gradcli.points import DECIMAL, LARGEST_SETTING
from gradcli.symbolic import calculus

MAX_RUNS = 1000


class MethodEntry(NamedTuple):
    label: str  # as the user wrote it, e.g. "adam:lr=0.1"
    method: str
    params: dict[str, float]
    lr: float | None


def parse_methods(text: str) -> list[MethodEntry]:
    """`gd,momentum:momentum=0.95,adam:lr=0.1`: methods, each with optional key=value settings
    (`lr` or the method's hyperparameters)."""
    entries = []
    for raw in text.split(","):
        label = raw.strip()
        if not label:
            raise InputError("--methods has an empty entry; list methods separated by commas, "
                             "such as --methods gd,momentum,adam:lr=0.1.")
        name, *settings = label.split(":")
        rule_named(name.strip())
        values: dict[str, float] = {}
        for setting in settings:
            key, equals, value = setting.partition("=")
            if not equals or not key.strip():
                raise InputError(f"--methods entry '{label}': write settings as key=value, "
                                 f"such as {name}:lr=0.1.")
            try:
                number = float(value)
            except ValueError:
                raise InputError(f"--methods entry '{label}': '{value}' is not a number.") \
                    from None
            if not math.isfinite(number):
                raise InputError(f"--methods entry '{label}': '{value}' is not finite.")
            values[key.strip()] = number
        lr = values.pop("lr", None)
        if lr is not None and lr <= 0:
            raise InputError(f"--methods entry '{label}': lr must be > 0.")
        if label in (entry.label for entry in entries):
            raise InputError(f"--methods lists '{label}' twice; list each entry once.")
        entries.append(MethodEntry(label, name.strip(), values, lr))
    if len(entries) > MAX_RUNS:
        raise InputError(f"--methods lists {len(entries)} entries; the limit is {MAX_RUNS}.")
    return entries


def parse_rates(text: str) -> np.ndarray:
    """`1e-4:1:13` (13 log-spaced rates from 1e-4 to 1) or a list `0.001,0.01,0.1`."""
    if ":" in text:
        parts = text.split(":")
        if len(parts) != 3:
            raise InputError(f"--lr '{text}': write LOW:HIGH:COUNT (log-spaced), such as "
                             "1e-4:1:13, or a list such as 0.001,0.01,0.1.")
        low, high = (_rate(part, text) for part in parts[:2])
        count = parse_count(parts[2])
        if count is None or not 2 <= count <= MAX_RUNS:
            raise InputError(f"--lr '{shown(text)}': COUNT must be a whole number from 2 to "
                             f"{MAX_RUNS}.")
        if low >= high:
            raise InputError(f"--lr '{shown(text)}': LOW must be below HIGH.")
        return np.geomspace(low, high, count)
    rates = [_rate(part, text) for part in text.split(",")]
    if len(rates) > MAX_RUNS:
        raise InputError(f"--lr lists {len(rates)} rates; the limit is {MAX_RUNS}.")
    return np.array(sorted(set(rates)))


def _rate(text: str, spec: str) -> float:
    if not DECIMAL.fullmatch(text.strip()):
        raise InputError(f"--lr '{shown(spec)}': '{shown(text.strip(), 20)}' is not a number.")
    value = float(text)
    if not math.isfinite(value) or value <= 0 or value > LARGEST_SETTING:
        raise InputError(f"--lr '{shown(spec)}': every rate must be a number > 0 and at most "
                         "1e100.")
    return value


def stability_bound(problem, point: Sequence[float]) -> float | None:
    """2/λmax of the Hessian at a point (None without positive curvature there); for a
    vector function λmax comes from `VectorProblem.extreme_eigenvalues`."""
    from gradcli.engine.indexed import VectorProblem

    if isinstance(problem, VectorProblem):
        extremes = problem.extreme_eigenvalues(np.asarray(point, dtype=float))
        if extremes is None or not extremes[1] > 0:
            return None
        return 2 / extremes[1]
    n = len(point)
    matrix = evaluate(problem.hessian_function, np.array([point], dtype=float)).reshape(n, n)
    return calculus.curvature(matrix).stability_bound if np.isfinite(matrix).all() else None


def reached(results: Sequence[Result]) -> Result | None:
    """The run whose end best shows where descent goes: the lowest f among converged runs,
    else among runs that ended at a finite point."""
    for wanted in ((Status.converged,), (Status.converged, Status.max_steps, Status.stationary)):
        ended = [r for r in results if r.status in wanted and math.isfinite(r.f)]
        if ended:
            return min(ended, key=lambda r: r.f)
    return None


def verdict(result: Result, bound: float | None) -> str:
    """The learning-rate lesson for one run of a sweep, from what the run did (README: "Verdicts").

    `bound` (2/λmax) never decides alone: a rate above it whose ‖∇f‖ has grown a hundredfold
    is diverging, not oscillating. It tells a run frozen by a tiny rate from one frozen at the
    floating-point floor.
    """
    if result.status in (Status.diverged, Status.domain_error):
        return "diverged"
    if result.status is Status.unbounded:
        return "unbounded below"
    if result.status is Status.converged:
        return "good"
    if result.status is Status.stationary:
        return "stuck at a stationary point"
    if result.status is Status.flat:
        return "stopped where f is flat"
    if result.status is Status.interrupted:
        return "interrupted"
    history = result.history
    evidence = evidence_of(history)
    if frozen_since(evidence) is not None:
        norm = float(evidence.grad_norm[-1])
        return "too small: below rounding" if rate_too_small(evidence.x[-1], norm, bound) \
            else "stalled at rounding"
    if exploding(evidence):
        return "too big: diverging"
    if not_descending(evidence):
        return "too big: oscillates"
    return "too small"


class Best(NamedTuple):
    """What a sweep found about the learning rate, and what theory says for a quadratic."""

    fastest: float | None  # the converged rate with the fewest steps
    steps: int | None
    optimal: float | None  # 2/(λmin + λmax), when the Hessian is constant and definite
    contraction: float | None  # (κ − 1)/(κ + 1) per step at that rate


def best_rate(problem, results: Sequence[Result], method: str) -> Best:
    """The fastest converging rate of the sweep; for gradient descent on a quadratic with a
    positive definite Hessian, also the best fixed rate 2/(λmin + λmax), at which the error
    shrinks by at least (κ − 1)/(κ + 1) per step."""
    converged = [r for r in results if r.status is Status.converged]
    fastest = min(converged, key=lambda r: (r.iterations, r.params["lr"])) if converged else None
    optimal = contraction = None
    hessian = getattr(problem, "hessian", None)  # symbolic for named variables; a vector
    # problem's is a function of x, whose constancy is not known here: no claim is made for it
    if method == "gd" and hessian is not None and not callable(hessian) and all(
            e.is_number for row in hessian for e in row):
        matrix = np.array([[float(e) for e in row] for row in hessian])
        values = np.linalg.eigvalsh((matrix + matrix.T) / 2)
        if values[0] > 0:
            optimal = 2 / (values[0] + values[-1])
            contraction = (values[-1] - values[0]) / (values[-1] + values[0])
    return Best(fastest.params["lr"] if fastest else None,
                fastest.iterations if fastest else None, optimal, contraction)
