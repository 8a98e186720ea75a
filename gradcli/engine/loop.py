"""The stepping loop: a batch of independent runs, stopping tests, divergence, Ctrl-C.

Two loops share one contract. `run_batch` steps B runs at once with a compiled NumPy step;
`run_fused` drives a single run through a compiled scalar loop (both from `fusion`), because
per-step NumPy calls on arrays of two numbers would cost ten times the arithmetic. Both return a
`Stopped` record and never print.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

from gradcli import interrupts
from gradcli.engine.plan import Plan
from gradcli.engine.recorder import Recorder

# ‖∇f‖² above this (or NaN) stops a run: the gradient exploded or is undefined.
GRADIENT_LIMIT_SQUARED = 1e200
PROGRESS_EVERY = 4096
COMPACT_FROM = 256  # a batch this large is cut down to its running runs (see run_batch)
COMPACT_EVERY = 16  # steps between looking whether it is time to (after step 1, 17, 33, …)


class StopRules(NamedTuple):
    steps: int
    tol: float  # on ‖∇f‖
    step_tol: float | None = None  # on ‖x_{k+1} − x_k‖
    f_tol: float | None = None  # on |f_{k+1} − f_k| relative to 1 + |f|


def until_rate_vanishes(plans: Sequence[Plan], stop: StopRules) -> StopRules:
    """Stop where every run's schedule has brought the rate to 0 for good: the steps after it
    would leave x where it is (the result says so)."""
    zeros = {plan.schedule.zero_from(stop.steps) for plan in plans}
    if None in zeros:
        return stop
    return stop._replace(steps=max(zeros))


class Stopped(NamedTuple):
    """Why and where each run stopped; `reasons` are the engine's words, mapped to a Status later.

    reasons: 'gradient', 'step', 'value' (a tolerance was met), 'max_steps', 'nonfinite'
    (∇f undefined, non-finite or exploding at `x`), 'interrupted'.
    """

    reasons: tuple[str, ...]
    iterations: np.ndarray  # (B,)
    x: np.ndarray  # (B, n): the point each run stopped at
    previous: np.ndarray  # (B, n): the point before it
    recorder: Recorder
    evaluations: np.ndarray  # (B,): evaluations of ∇f (and of f, in a line search)
    marked: np.ndarray  # (B,): steps whose gradient was clipped (Newton: whose H was shifted)


Progress = Callable[[int], None]


def run_fused(fused: Callable, start: np.ndarray, lr: float, stop: StopRules, recorder: Recorder,
              progress: Progress | None) -> Stopped:
    """One run through a compiled scalar loop (start has shape (1, n))."""
    point = tuple(float(v) for v in start[0])
    reason, k, x, previous, extras, marked = fused(point, float(lr), stop.steps, stop.tol**2,
                                                   recorder, progress)
    recorder.finish(k, x, previous, extras)
    return Stopped((reason,), np.array([k]), np.array([x], dtype=float),
                   np.array([previous], dtype=float), recorder, np.array([k + 1]),
                   np.array([marked]))


def _narrowed(value, keep: np.ndarray):
    """A per-run array (or a tuple of them) cut down to the kept runs; a scalar as it is."""
    if isinstance(value, tuple):
        return tuple(_narrowed(part, keep) for part in value)
    return value[keep] if np.ndim(value) else value


def run_batch(step: Callable, start: np.ndarray, state: tuple, lr: float | np.ndarray,
              stop: StopRules, recorder: Recorder, progress: Progress | None,
              noise: np.random.Generator | None = None, compact: bool = False) -> Stopped:
    """Step every run of the batch together.

    `step(x, state, lr, t, noise, active) -> (‖∇f‖², f or None, new x, new state, learning rate
    used, clipped?, evaluations)` takes x, the state and the noise as tuples of 1-D arrays, one
    per coordinate, so every NumPy call works on contiguous data as a hand-vectorised loop would.
    A run that has stopped may keep being stepped (its result was taken when it stopped): that
    is cheaper than masking every array on every step; `active` lets a step skip whole groups.
    With `compact` (a step that treats every run alike, without noise), once at most a quarter
    of the runs still go on, the arrays are cut down to them, so a few slow runs among 10⁵
    finished ones do not cost 10⁵ runs a step.
    """
    count, n = start.shape
    x = tuple(np.array(start[:, i], dtype=np.float64) for i in range(n))
    previous = x
    runs = np.arange(count)  # the run behind each entry of the arrays being stepped
    active = np.ones(count, dtype=bool)  # over the entries being stepped
    reasons = [""] * count
    iterations = np.zeros(count, dtype=np.int64)
    extra_calls = np.zeros(count, dtype=np.int64)  # evaluations beyond one per step
    marked = np.zeros(count, dtype=np.int64)
    final_x, final_previous = start.astype(np.float64), start.astype(np.float64)
    last_f = np.full(count, np.inf)
    rate, clipped = np.nan, False  # of the step that led to x: scalars unless a run differs
    final_rate, final_clipped = np.full(count, np.nan), np.zeros(count, dtype=bool)
    tol_squared = stop.tol**2
    k, due = 0, 0

    def finish(which: np.ndarray, reason: str) -> None:
        if not which.any():
            return
        stopping = runs[which]
        for index in stopping:
            reasons[index] = reason
        iterations[stopping] = k
        recorder.stopped(k)
        final_x[stopping] = np.column_stack(x)[which]
        final_previous[stopping] = np.column_stack(previous)[which]
        final_rate[stopping] = np.broadcast_to(rate, which.shape)[which]
        final_clipped[stopping] = np.broadcast_to(clipped, which.shape)[which]
        active[which] = False

    def whole(value, finals: np.ndarray) -> np.ndarray:
        """Every run's entry for the record (points as columns, or a rate or mark per run):
        runs that were cut away keep what they stopped with."""
        value = np.column_stack(value) if isinstance(value, tuple) else np.array(value)
        if len(runs) == count or not value.ndim:
            return value
        joined = finals.copy()
        joined[runs] = value
        return joined

    try:
        with np.errstate(all="ignore"):
            while True:
                if interrupts.flag[0]:  # Ctrl-C, acted on here between two whole steps
                    raise KeyboardInterrupt
                draw = tuple(noise.standard_normal((n, count))) if noise is not None else None
                squared, f, stepped, new_state, used, clip, calls = step(x, state, lr, k + 1, draw,
                                                                         active)
                if not np.isscalar(calls):  # a line search spent extra evaluations of f
                    extra_calls[runs[active]] += calls[active] - 1
                # Reductions first: the masks are built only on the rare steps that need them.
                if not squared.max() <= GRADIENT_LIMIT_SQUARED:  # NaN propagates through max
                    finish(active & ~(squared <= GRADIENT_LIMIT_SQUARED), "nonfinite")
                if k == due:
                    due = recorder(k, whole(x, final_x), whole(previous, final_previous),
                                   (whole(rate, final_rate), whole(clipped, final_clipped)))
                if not squared.min() > tol_squared:  # NaN from a run that blew up: look closer
                    finish(active & (squared <= tol_squared), "gradient")
                if stop.f_tol is not None:
                    finish(active & (np.abs(f - last_f) <= stop.f_tol * (1 + np.abs(f))), "value")
                    last_f = f
                if k == stop.steps:
                    finish(active, "max_steps")
                if not active.any():
                    break
                if progress is not None and k % PROGRESS_EVERY == 0:
                    progress(k)
                previous, x, state, rate, clipped = x, stepped, new_state, used, clip
                if clip is not False:
                    marked[runs[active]] += np.broadcast_to(clip, active.shape)[active]
                k += 1
                if stop.step_tol is not None:
                    moved = np.sqrt(sum((a - b) ** 2 for a, b in zip(x, previous, strict=True)))
                    finish(active & (moved <= stop.step_tol), "step")
                if compact and k % COMPACT_EVERY == 1 and len(runs) >= COMPACT_FROM \
                        and 4 * active.sum() <= len(runs):
                    keep = np.flatnonzero(active)
                    x, previous, state = (_narrowed(x, keep), _narrowed(previous, keep),
                                          _narrowed(state, keep))
                    lr, last_f = _narrowed(lr, keep), _narrowed(last_f, keep)
                    rate, clipped = _narrowed(rate, keep), _narrowed(clipped, keep)
                    runs, active = runs[keep], active[keep]
    except KeyboardInterrupt:
        interrupts.consume()
        finish(active.copy(), "interrupted")
    recorder.finish(int(iterations.max()), final_x, final_previous, (final_rate, final_clipped))
    return Stopped(tuple(reasons), iterations, final_x, final_previous, recorder,
                   iterations + 1 + extra_calls, marked)
