"""The stepping loop: a batch of independent runs, stopping tests, divergence, Ctrl-C.

Two loops share one contract. `run_batch` steps B runs at once with NumPy and the optimizer's
(init, update) pair. `run_fused` drives a single run through a scalar loop that was compiled with
the function, its gradient and the method's update inlined (see `fusion`), because per-step NumPy
calls on tiny arrays would cost ten times the arithmetic. Both return a `Stopped` record and
never print.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from gradcli.optimizers import Optimizer
from gradcli.recorder import Recorder

# ‖∇f‖² above this (or NaN) stops a run: the gradient exploded or is undefined.
GRADIENT_LIMIT_SQUARED = 1e200
PROGRESS_EVERY = 4096


class StopRules(NamedTuple):
    steps: int
    tol: float  # on ‖∇f‖
    step_tol: float | None = None  # on ‖x_{k+1} − x_k‖
    f_tol: float | None = None  # on |f_{k+1} − f_k| relative to 1 + |f|


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


Progress = Callable[[int], None]


def run_fused(fused: Callable, start: np.ndarray, lr: float, stop: StopRules, recorder: Recorder,
              progress: Progress | None) -> Stopped:
    """One run through a compiled scalar loop (start has shape (1, n))."""
    point = tuple(float(v) for v in start[0])
    reason, k, x, previous = fused(point, float(lr), stop.steps, stop.tol**2, recorder, progress)
    recorder.finish(k, x, previous)
    return Stopped((reason,), np.array([k]), np.array([x], dtype=float),
                   np.array([previous], dtype=float), recorder)


def run_batch(gradient: Callable[[np.ndarray], np.ndarray], optimizer: Optimizer,
              start: np.ndarray, lr: float | np.ndarray, stop: StopRules, recorder: Recorder,
              progress: Progress | None,
              value: Callable[[np.ndarray], np.ndarray] | None = None) -> Stopped:
    """Step every run of the batch together; a finished run is frozen where it stopped.

    `value` (f of a batch, shape (B, 1)) is evaluated every step when given: for the f-change
    tolerance, or where f can leave its domain while ∇f stays finite.
    """
    x = np.array(start, dtype=np.float64)
    previous = x.copy()
    count = x.shape[0]
    state = optimizer.init(x)
    active = np.ones(count, dtype=bool)
    reasons = [""] * count
    iterations = np.zeros(count, dtype=np.int64)
    final_x, final_previous = x.copy(), x.copy()
    last_f = np.full(count, np.inf)
    tol_squared = stop.tol**2
    k, due = 0, 0

    def finish(which: np.ndarray, reason: str) -> None:
        for index in np.flatnonzero(which):
            reasons[index] = reason
        iterations[which] = k
        final_x[which] = x[which]
        final_previous[which] = previous[which]
        active[which] = False

    try:
        with np.errstate(all="ignore"):
            while True:
                g = gradient(x)
                squared = np.einsum("ij,ij->i", g, g)
                f = value(x)[:, 0] if value is not None else None
                if f is not None:
                    squared = squared + 0.0 * f  # NaN where f is undefined
                finish(active & ~(squared <= GRADIENT_LIMIT_SQUARED), "nonfinite")
                if k == due:
                    due = recorder(k, x, previous)
                finish(active & (squared <= tol_squared), "gradient")
                if f is not None and stop.f_tol is not None:
                    finish(active & (np.abs(f - last_f) <= stop.f_tol * (1 + np.abs(f))), "value")
                    last_f = f
                if k == stop.steps:
                    finish(active, "max_steps")
                if not active.any():
                    break
                if progress is not None and k % PROGRESS_EVERY == 0:
                    progress(k)
                stepped, new_state = optimizer.update(x, g, state, lr, k + 1)
                if not active.all():
                    frozen = ~active[:, None]
                    stepped = np.where(frozen, x, stepped)
                    new_state = tuple(np.where(frozen, old, new)
                                      for old, new in zip(state, new_state, strict=True))
                previous, x, state = x, stepped, new_state
                k += 1
                if stop.step_tol is not None:
                    moved = np.sqrt(np.einsum("ij,ij->i", x - previous, x - previous))
                    finish(active & (moved <= stop.step_tol), "step")
    except KeyboardInterrupt:
        finish(active.copy(), "interrupted")
    last = int(iterations.max())
    recorder.finish(last, final_x, final_previous)
    return Stopped(tuple(reasons), iterations, final_x, final_previous, recorder)
