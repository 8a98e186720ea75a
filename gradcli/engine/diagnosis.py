"""Why a run ended without converging, read from what it did — and the advice that follows.

A run that reaches the step limit is doing one of a few things, and each calls for different
advice: still descending (more steps), oscillating above the stability bound (a smaller rate),
stalled (its steps no longer change x), on a plateau (the gradient has vanished), with an
exploding gradient (clip it), or heading down a function that has no minimum (no rate helps).
The record's rows are the evidence: f, ‖∇f‖, ‖x‖ and the step length at recorded steps.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

GROWTH = 10.0  # ‖∇f‖ that grew this much over the recent rows, every row larger: exploding
FAR = 10.0  # ‖x‖ this many times the start's (and at least this far out): running away


class Evidence(NamedTuple):
    """One run's recorded rows, oldest first (k, x, f, ‖∇f‖, ‖x_k − x_{k−1}‖, ‖x_k‖). For a
    vector run x is a summary (min, mean, max); ‖x_k‖ is the true norm for any n."""

    k: np.ndarray
    x: np.ndarray
    f: np.ndarray
    grad_norm: np.ndarray
    step: np.ndarray
    radius: np.ndarray


def evidence_of(history) -> Evidence:
    """The evidence a run's History holds (scalar and vector runs alike)."""
    return Evidence(history.k, history.x, history.f, history.grad_norm, history.step,
                    history.radius)


def _recent(evidence: Evidence) -> slice:
    """The rows of the second half of the run (at least the last three)."""
    half = evidence.k[-1] / 2
    first = int(np.searchsorted(evidence.k, half))
    return slice(min(first, max(len(evidence.k) - 3, 0)), None)


def unbounded(evidence: Evidence) -> bool:
    """f fell over the recent rows, ‖∇f‖ did not fade and ‖x‖ ran far out: no minimum ahead."""
    if len(evidence.k) < 3:
        return False
    recent = _recent(evidence)
    f, norm = evidence.f[recent], evidence.grad_norm[recent]
    radius = evidence.radius
    far = radius[-1] >= FAR * max(1.0, radius[0]) and radius[-1] >= 1.5 * radius[recent][0]
    falling = bool(np.all(np.diff(f) < 0)) and f[-1] < evidence.f[0]
    return bool(falling and far and norm[-1] >= 0.5 * norm[0])


def unbounded_sentence(evidence: Evidence) -> str:
    radius = float(evidence.radius[-1])
    return (f"Unbounded below: f fell from {evidence.f[0]:.4g} to {evidence.f[-1]:.4g} as ‖x‖ "
            f"grew to {radius:.3g}, and ‖∇f‖ did not shrink: f has no minimum in this "
            "direction, so no learning rate or step count can reach one; bound the function "
            "(add a term such as x**2) or start where it has a minimum.")


def exploding(evidence: Evidence) -> bool:
    """‖∇f‖ grew in every recent row, by GROWTH or more."""
    norms = evidence.grad_norm[_recent(evidence)]
    return bool(len(norms) >= 3 and norms[-1] >= GROWTH * norms[0] and
                np.all(np.diff(norms) > 0))


def not_descending(evidence: Evidence) -> bool:
    """f did not decrease over the recent rows while ‖∇f‖ stayed clear of zero."""
    f = evidence.f[_recent(evidence)]
    scale = max(1.0, float(np.abs(f).max()))
    return bool(len(f) >= 3 and f[-1] >= f[0] and evidence.grad_norm[-1] > 1e-6 * scale)


def frozen_since(evidence: Evidence) -> int | None:
    """The step from which x has not changed at all (the last rows' steps are exactly 0)."""
    moving = np.flatnonzero(evidence.step[1:] > 0) + 1
    still = evidence.step[-1] == 0 and len(evidence.k) > 2 and evidence.k[-1] > 0
    if not still:
        return None
    return int(evidence.k[moving[-1]]) if len(moving) else int(evidence.k[0])


def rounding_of(x: np.ndarray) -> float:
    """About the spacing of floats around x: a step shorter than this leaves x as it is."""
    return float(np.finfo(float).eps * np.max(np.abs(x), initial=0.0))


def rate_too_small(x: np.ndarray, norm: float, bound: float | None) -> bool:
    """x stalled, but a step at half the stable rate, ‖∇f‖·(2/λmax)/2 = ‖∇f‖/λmax (no more
    than the distance to where the quadratic model's gradient vanishes), would move it a
    thousand times farther than its rounding: the rate, not floating point, stopped it."""
    return bound is not None and 0.5 * bound * norm > 1e3 * max(rounding_of(x), 1e-300)


def schedule_stop(k: int, steps: int, spec: str, norm: float) -> str:
    """The sentence for a run stopped where its schedule brought the rate to 0 for good."""
    return (f"Stopped at step {k} of {steps}: the schedule {spec} has brought the rate to 0 from "
            f"step {k} on, so x cannot move any more (‖∇f‖ = {norm:.3g}); the remaining steps "
            f"would only idle. Use a schedule that lasts the whole run, e.g. --schedule "
            f"cosine:{steps}.")


def accumulation_sentence(evidence: Evidence) -> str:
    """What summing gradients without zeroing them did: each step moves by every gradient so
    far, so the steps do not shrink near the minimum (or they grow)."""
    recent = _recent(evidence)
    f, steps = evidence.f[recent], evidence.step[1:]
    first, last = int(evidence.k[recent][0]), int(evidence.k[-1])
    early, late = float(np.median(steps[:max(len(steps) // 4, 1)])), \
        float(np.median(evidence.step[recent]))
    if late >= GROWTH * early:
        motion = (f"the summed gradient keeps growing, so the steps grow (median step {early:.3g} "
                  f"early, {late:.3g} over steps {first}–{last})")
    elif late >= 0.5 * early:
        motion = (f"the steps do not shrink near the minimum (median step {early:.3g} early, "
                  f"{late:.3g} over steps {first}–{last}): x swings across it instead of "
                  f"settling, and f ranged from {f.min():.6g} to {f.max():.6g}")
    else:
        motion = (f"the steps shrank only from a median of {early:.3g} to {late:.3g} over steps "
                  f"{first}–{last}, and x has not settled (f ranged from {f.min():.6g} to "
                  f"{f.max():.6g})")
    return (f"gradients summed and never zeroed (--accumulate, the forgotten zero_grad()) — each "
            f"step moves by η times every gradient so far; {motion}. Zero the gradient at every "
            "step: drop --accumulate.")


def max_steps_diagnosis(evidence: Evidence, lr: float, tol: float, method: str,
                        bound_at: Callable[[np.ndarray], float | None],
                        minimum_at: Callable[[np.ndarray], bool], shows_x: bool = True,
                        accumulating: bool = False) -> str:
    """The sentence for a run that used all its steps: what happened, then what to do.

    `bound_at(x)` is 2/λmax at x (None without positive curvature); `minimum_at(x)` says
    whether the Hessian there is positive definite. Without `shows_x` the rows' x is a summary
    (a vector run's min, mean and max), which cannot show that x comes back to where it was.
    """
    k, norm = int(evidence.k[-1]), float(evidence.grad_norm[-1])
    limit = f"Stopped at the step limit ({k} steps) with ‖∇f‖ = {norm:.3g} above tol {tol:g}: "
    recent = _recent(evidence)
    frozen = frozen_since(evidence)
    if frozen is not None:
        stalled = (limit + f"stalled — x has not changed since step {frozen}, because each "
                   "step is below the rounding of x; more steps cannot help. ")
        end_bound = bound_at(evidence.x[-1])
        if rate_too_small(evidence.x[-1], norm, end_bound):
            return stalled + (f"The rate is too small: η = {lr:g} makes each step shorter than "
                              f"the rounding of x (about {rounding_of(evidence.x[-1]):.2g}), "
                              f"while ‖∇f‖ = {norm:.3g} is far from 0. Raise --lr (2/λmax = "
                              f"{end_bound:.4g} here).")
        if not minimum_at(evidence.x[-1]):
            return stalled + ("This is no minimum (the Hessian is not positive definite "
                              "here): start elsewhere.")
        return stalled + (f"‖∇f‖ = {norm:.3g} is as small as floating point reaches at this "
                          "minimum" + (f", so use --tol {_above(norm)} or more." if tol < norm
                                       else "."))
    if accumulating:
        return limit + accumulation_sentence(evidence)
    norms, first = evidence.grad_norm[recent], int(evidence.k[recent][0])
    if exploding(evidence):
        growth = (norms[-1] / norms[0]) ** (1 / max(k - first, 1))
        start = bound_at(evidence.x[0]) if method == "gd" else None
        rate = (f"a --lr below 2/λmax = {start:.4g} (at the start)" if start is not None
                and lr > start else "a smaller --lr")
        return (limit + f"an exploding gradient — ‖∇f‖ grew from {norms[0]:.3g} at step "
                f"{first} to {norms[-1]:.3g} (×{growth:.4g} per step) and will overflow if the "
                f"run goes on. Use {rate}, or cap each step with --clip-norm.")
    bound = bound_at(evidence.x[-1]) if method == "gd" else None
    points = evidence.x[recent]
    spread = float(np.max(np.linalg.norm(points - points[-1], axis=1)))
    moved = float(np.median(evidence.step[recent]))
    f = evidence.f[recent]
    below_bound = bound is None or lr < bound  # at or above it, a smooth f oscillates
    if shows_x and below_bound and moved > 0 and spread < 0.5 * moved and len(f) >= 3:
        return (limit + f"cycling — each step moves x by about {moved:.3g} but x keeps coming "
                "back to the same points: where f has a kink (as abs(x) has at 0) the gradient "
                "does not shrink near the minimum, so a constant rate cannot settle. Use a "
                "decaying schedule, e.g. --schedule exp:0.99, or a smaller --lr.")
    if not_descending(evidence):
        where = (f"η = {lr:g} is {rate_position(lr, bound)} at the end point"
                 if bound is not None and lr >= bound else
                 f"2/λmax is {bound:.4g} at the end point, and η = {lr:g} is too close to it "
                 "where the surface curves more" if bound is not None else
                 "the rate is too large for the curvature here")
        suggestion = f"e.g. --lr {_below(0.5 * min(lr, bound))}" if bound is not None else \
            f"e.g. --lr {_below(0.5 * lr)}"
        return (limit + f"oscillating — f did not decrease over steps "
                f"{int(evidence.k[recent][0])}–{k} (from {f[0]:.6g} to {f[-1]:.6g}) while "
                f"‖∇f‖ stays near {norm:.3g}: each step overshoots ({where}). Use a smaller "
                f"--lr, {suggestion}.")
    change = float(abs(f[0] - f[-1]))
    scale = max(1.0, float(np.max(np.abs(evidence.f))))
    if change <= 1e-9 * scale and norm <= 1e-6 * scale and norm >= 0.5 * norms[0]:
        return (limit + f"a plateau — ‖∇f‖ = {norm:.3g} is tiny and f changed by only "
                f"{change:.3g} over steps {int(evidence.k[recent][0])}–{k}: the gradient "
                "vanishes here, so descent crawls (the vanishing gradient). Start elsewhere, "
                "or use a method that rescales the gradient, e.g. --method adam.")
    advice = "raise --steps"
    if bound is not None:
        position = rate_position(lr, bound)
        advice += (f", or raise --lr: η = {lr:g} is {position} at the end point"
                   if lr < 0.5 * bound else
                   f" (η = {lr:g} is {position} at the end point; above 2/λmax the steps "
                   "would grow there)")
    return (limit + f"still descending — f fell from {f[0]:.6g} to {f[-1]:.6g} over steps "
            f"{int(evidence.k[recent][0])}–{k}; {advice}.")


def rate_position(lr: float, bound: float) -> str:
    """One wording for a rate against the stability bound 2/λmax, with fixed boundaries:
    below half of it, from half up to it, at it, above it."""
    if lr < 0.5 * bound:
        return f"well below 2/λmax = {bound:.4g}"
    if lr < bound:
        return f"within a factor of 2 below 2/λmax = {bound:.4g}"
    return f"{'at' if lr == bound else 'above'} 2/λmax = {bound:.4g}"


def _below(value: float) -> str:
    """Two significant digits, rounded down: a rate to suggest that is not above `value`."""
    scale = 10 ** (np.floor(np.log10(value)) - 1)
    return f"{np.floor(value / scale) * scale:.2g}"


def _above(value: float) -> str:
    """A round number above value (a tolerance to suggest)."""
    return f"{10 ** np.ceil(np.log10(value) + 1e-12):.0e}"
