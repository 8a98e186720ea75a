"""The training loop of `fit`: epochs of seeded minibatches, the optimizers of `descend`.

Each step is what a PyTorch loop does: scores from the model, the loss head's dL/dZ, the chain
rule back to the parameters (`loss.backward()`), then the optimizer's update; the gradient is
zeroed before the next batch unless `--accumulate` forgets to (`grad.zero_()` left out). The
update rules are those of `descend`, compiled for a whole parameter vector.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from gradcli import interrupts
from gradcli.engine.fusion import fuse_array_update
from gradcli.engine.plan import Plan
from gradcli.errors import InputError
from gradcli.learn.losses import HEADS, accuracy
from gradcli.learn.models import Model

RECORD_ROWS = 2000  # parameter vectors kept per run, thinned evenly in steps
NEWTON_PARAMS = 200  # Newton forms a p×p Hessian: at most this many parameters
SHIFT = 1e-3


class Data(NamedTuple):
    X: np.ndarray  # (m, features)
    y: np.ndarray  # (m,): numbers, or class indices


class Epoch(NamedTuple):
    epoch: int
    train_loss: float
    val_loss: float | None
    train_accuracy: float | None
    val_accuracy: float | None
    grad_norm: float  # of the loss over the whole training set
    lr: float  # the rate of the epoch's last step


class Fit(NamedTuple):
    status: str  # converged, max_epochs, diverged, interrupted
    theta: np.ndarray
    epochs: list[Epoch]
    steps: np.ndarray  # the step numbers of `path`
    path: np.ndarray  # (r, p): parameters at recorded steps (thinned)
    iterations: int  # minibatch steps taken
    clipped: int


def loss_and_gradient(model: Model, loss: str, data: Data, theta: np.ndarray):
    """The mean loss over the rows and its exact gradient with respect to θ (call it under
    `np.errstate(all="ignore")`: a diverging run overflows on purpose)."""
    Z = model.scores(data.X, theta)
    value, G = HEADS[loss](Z, data.y)
    return value, model.gradient(data.X, theta, G), Z


def newton_step(model: Model, loss: str, batch: Data, theta: np.ndarray,
                gradient: np.ndarray) -> np.ndarray:
    """−(H + μI)⁻¹g with H from central differences of the exact batch gradient (a p×p
    matrix from 2p gradients), shifted to be positive definite as `descend`'s Newton is."""
    p = len(theta)
    H = np.empty((p, p))
    for j in range(p):
        h = 1e-6 * max(1.0, abs(theta[j]))
        up, down = theta.copy(), theta.copy()
        up[j] += h
        down[j] -= h
        H[:, j] = (loss_and_gradient(model, loss, batch, up)[1]
                   - loss_and_gradient(model, loss, batch, down)[1]) / (2 * h)
    H = (H + H.T) / 2
    values = np.linalg.eigvalsh(H)
    scale = max(1.0, float(np.max(np.abs(values))))
    mu = SHIFT * scale - values[0] if values[0] <= 1e-10 * scale else 0.0
    return -np.linalg.solve(H + mu * np.eye(p), gradient)


def transform_gradient(plan: Plan, g: np.ndarray, accumulated: list,
                       rng) -> tuple[np.ndarray, bool]:
    """Noise, accumulation (in `accumulated[0]`), clipping: what `descend` does to ∇f."""
    t = plan.transforms
    clipped = False
    if t.noise is not None:
        g = g + t.noise * rng.standard_normal(g.shape)
    if t.accumulate:
        accumulated[0] = g = accumulated[0] + g
    if t.clip_value is not None:
        limited = np.clip(g, -t.clip_value, t.clip_value)
        clipped = bool((limited != g).any())
        g = limited
    if t.clip_norm is not None:
        norm = float(np.linalg.norm(g))
        if norm > t.clip_norm:
            g, clipped = g * (t.clip_norm / norm), True
    return g, clipped


def _epoch_row(model, loss, train, val, theta, epoch, rate) -> Epoch:
    value, gradient, Z = loss_and_gradient(model, loss, train, theta)
    val_loss = val_accuracy = None
    if val is not None:
        val_loss, _, Zv = loss_and_gradient(model, loss, val, theta)
        val_accuracy = accuracy(loss, Zv, val.y)
    return Epoch(epoch, value, val_loss, accuracy(loss, Z, train.y), val_accuracy,
                 float(np.linalg.norm(gradient)), rate)


def train(model: Model, loss: str, train_data: Data, val: Data | None, plan: Plan, lr: float,
          batch: int | None, epochs: int, seed: int, tol: float, theta0: np.ndarray,
          progress: Callable[[int], None] | None = None) -> Fit:
    """Minibatch training from θ₀; `batch` None is full-batch gradient descent. A run that
    diverges is noticed at the end of its epoch (NaN and inf carry through the steps)."""
    if plan.rule.name == "newton" and len(theta0) > NEWTON_PARAMS:
        raise InputError(f"newton forms the p×p Hessian; this model has {len(theta0)} "
                         f"parameters (at most {NEWTON_PARAMS}); choose a first-order method.")
    rng = np.random.default_rng(seed)
    noise = np.random.default_rng(plan.transforms.seed or 0)
    m = len(train_data.y)
    size = m if batch is None else min(batch, m)
    with np.errstate(all="ignore"):
        return _train(model, loss, train_data, val, plan, lr, batch, epochs, tol, theta0,
                      progress, rng, noise, size, m)


def _train(model, loss, train_data, val, plan, lr, batch, epochs, tol, theta0, progress, rng,
           noise, size, m) -> Fit:
    update = fuse_array_update(plan) if plan.rule.elementwise else None
    state = tuple(0.0 for _ in plan.rule.state)
    multiplier = plan.schedule.function()
    theta = theta0.astype(float).copy()
    accumulated = [0.0]
    rows = [_epoch_row(model, loss, train_data, val, theta, 0, float("nan"))]
    last = rows[0]
    steps_total = epochs * -(-m // size)
    stride = max(1, -(-steps_total // RECORD_ROWS))
    every_epoch = max(1, -(-epochs // RECORD_ROWS))  # rows kept: each epoch, or a stride
    kept_steps, kept = [0], [theta.copy()]
    step = clipped = 0
    status = "max_epochs"
    rate = lr
    transformed, scheduled = plan.transforms.active, not plan.schedule.constant
    try:
        for epoch in range(1, epochs + 1):
            order = rng.permutation(m) if batch is not None else np.arange(m)
            for start in range(0, m, size):
                if interrupts.flag[0]:  # Ctrl-C, acted on here between two whole steps
                    raise KeyboardInterrupt
                chosen = order[start:start + size]
                part = Data(train_data.X[chosen], train_data.y[chosen])
                _, gradient, _ = loss_and_gradient(model, loss, part, theta)
                if transformed:
                    gradient, clip = transform_gradient(plan, gradient, accumulated, noise)
                    clipped += clip
                if scheduled:
                    rate = lr * multiplier(step)
                if update is None:
                    theta = theta + rate * newton_step(model, loss, part, theta, gradient)
                else:
                    theta, state = update(theta, gradient, rate, step + 1, state)
                step += 1
                if step % stride == 0:
                    kept_steps.append(step)
                    kept.append(theta.copy())
            if progress is not None:
                progress(epoch)
            row = _epoch_row(model, loss, train_data, val, theta, epoch, rate)
            last = row
            if epoch % every_epoch == 0:
                rows.append(row)
            if not (np.isfinite(theta).all() and np.isfinite(row.train_loss)):
                status = "diverged"
                break
            if row.grad_norm <= tol:
                status = "converged"
                break
    except KeyboardInterrupt:
        interrupts.consume()
        status = "interrupted"
    if last is not rows[-1]:  # the last whole epoch is always kept
        rows.append(last)
    if kept_steps[-1] != step:
        kept_steps.append(step)
        kept.append(theta.copy())
    return Fit(status, theta, rows, np.array(kept_steps), np.array(kept), step, clipped)


def least_squares(model: Model, data: Data) -> np.ndarray:
    """The exact minimiser of the MSE for a model affine in θ (numpy.linalg.lstsq)."""
    J, c0 = model.design(data.X)
    solution, *_ = np.linalg.lstsq(J, data.y - c0, rcond=None)
    return solution


def loss_surface(model: Model, loss: str, data: Data, box, columns: int, rows: int):
    """L(θ₁, θ₂) over the full data on a grid (for a model with two parameters)."""
    xs = np.linspace(box[0][0], box[0][1], columns)
    ys = np.linspace(box[1][0], box[1][1], rows)
    values = np.empty((rows, columns))
    with np.errstate(all="ignore"):
        for r, b in enumerate(ys):
            for c, a in enumerate(xs):
                values[r, c] = HEADS[loss](model.scores(data.X, np.array([a, b])), data.y)[0]
    return xs, ys, np.where(np.isfinite(values), values, np.nan)
