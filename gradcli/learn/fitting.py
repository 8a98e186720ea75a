"""`fit` from the user's words to a trained model: data, split, scaling, model, loss, training.

Everything here is checked before training starts, one sentence per mistake.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from gradcli import interrupts
from gradcli.engine.plan import Plan
from gradcli.errors import InputError
from gradcli.learn.datasets import Table, read_table
from gradcli.learn.losses import HEADS
from gradcli.learn.models import PRESETS, Model, custom, preset
from gradcli.learn.training import Data, Fit, least_squares, loss_and_gradient, train
from gradcli.symbolic.budget import paused

LOSSES = tuple(HEADS)


class Scaling(NamedTuple):
    mean: np.ndarray
    std: np.ndarray


class Setup(NamedTuple):
    """A fit, ready to run: what was read and chosen, and the split data."""

    table: Table
    model: Model
    loss: str
    target: str
    classes: list[str] | None
    train: Data
    val: Data | None
    scaling: Scaling | None
    notes: tuple[str, ...] = ()  # one line each, said before training


class Outcome(NamedTuple):
    problem: Setup
    fit: Fit
    full_batch: Fit | None  # the same run with batch = full, for the loss-surface picture
    lstsq: np.ndarray | None
    message: str


def _default_loss(model_kind: str, classes: int) -> str:
    return {"linear": "mse", "logistic": "bce", "softmax": "ce"}.get(
        model_kind, "ce" if classes > 1 else "mse")


def prepare(model_text: str | None, preset_name: str | None, source: str, target: str,
            loss: str | None, features: str | None, params: str | None, standardize: bool,
            val: float | None, seed: int) -> Setup:
    """Read the data, build the model and split rows into training and validation."""
    if (model_text is None) == (preset_name is None):
        raise InputError("give a model: an expression such as \"w*x + b\", or --model "
                         f"{'|'.join(PRESETS)}; not both.")
    if preset_name is not None and preset_name not in PRESETS:
        raise InputError(f"--model '{preset_name}' is not a preset; choose "
                         f"{', '.join(PRESETS)}, or write the model as an expression.")
    if loss is not None and loss not in LOSSES:
        raise InputError(f"--loss '{loss}' is not known; choose {', '.join(LOSSES)}.")
    if val is not None and not 0 < val < 1:
        raise InputError(f"--val must be a fraction between 0 and 1 (exclusive), not {val:g}.")
    table = read_table(source)
    table.column(target)
    chosen = _features(table, target, features, preset_name is not None)
    classes = None
    if preset_name is not None:
        loss = loss or _default_loss(preset_name, 0)
        if preset_name == "softmax" and loss != "ce":
            raise InputError("--model softmax goes with --loss ce.")
        if preset_name == "logistic" and loss != "bce":
            raise InputError("--model logistic goes with --loss bce.")
        if loss == "ce":
            classes = _classes(table, target, loss)
        model = preset(preset_name, chosen, classes)
    else:
        model = custom(model_text, table.header, target, params)
        if features is not None:
            raise InputError("--features chooses columns for a preset (--model); a model "
                             "expression names its columns itself.")
        loss = loss or _default_loss("custom", model.classes)
    if loss in ("mse", "mae", "bce") and model.classes != 1:
        raise InputError(f"--loss {loss} needs one score; the model has {model.classes} (use "
                         "--loss ce for one score per class).")
    if loss == "ce":
        classes = classes or _classes(table, target, loss)
        if model.classes != len(classes):
            raise InputError(f"--loss ce needs one score per class: '{target}' has "
                             f"{len(classes)} classes but the model gives {model.classes} "
                             "(write the scores as comma-separated expressions).")
    y = _target(table, target, loss)
    X = np.column_stack([table.numbers(name) for name in model.features]) if model.features \
        else np.zeros((len(table.rows), 0))
    rows = np.random.default_rng(seed).permutation(len(y)) if val else np.arange(len(y))
    cut = len(y) - int(round(len(y) * val)) if val else len(y)
    if val and not 1 <= cut < len(y):
        raise InputError(f"--val {val:g} leaves {cut} of {len(y)} rows for training; choose a "
                         "fraction that keeps at least one row on each side.")
    scaling = None
    if standardize:
        if not model.features:
            raise InputError("--standardize rescales feature columns; the model reads none.")
        mean, std = X[rows[:cut]].mean(axis=0), X[rows[:cut]].std(axis=0)
        flat = [name for name, s in zip(model.features, std, strict=True) if s == 0]
        if flat:
            raise InputError(f"--standardize: column '{flat[0]}' is constant in the training "
                             "rows, so it cannot be rescaled; leave it out.")
        scaling = Scaling(mean, std)
        X = (X - mean) / std
    train_rows, val_rows = rows[:cut], rows[cut:]
    missing = [label for label in classes or () if label.strip().lower() in MISSING_LABELS]
    notes = model.notes + tuple(
        f"'{target}' has rows labelled '{label}', which form a class of their own; if it means "
        "a missing label, remove those rows." for label in missing)
    return Setup(table, model, loss, target, classes, Data(X[train_rows], y[train_rows]),
                 Data(X[val_rows], y[val_rows]) if val else None, scaling, notes)


MISSING_LABELS = ("nan", "na", "n/a", "null", "none", "?")


def _features(table: Table, target: str, features: str | None, needed: bool) -> tuple:
    if features is None:
        return tuple(n for n in table.header if n != target) if needed else ()
    names = tuple(n.strip() for n in features.split(",") if n.strip())
    for name in names:
        table.column(name)
        if name == target:
            raise InputError(f"--features lists the target '{target}'; a model cannot read "
                             "what it predicts.")
    return names


def _classes(table: Table, target: str, loss: str) -> list[str]:
    classes, _ = table.labels(target)
    if len(classes) < 2:
        raise InputError(f"--loss {loss} needs at least two classes; '{target}' has only "
                         f"'{classes[0]}'.")
    return classes


def _target(table: Table, target: str, loss: str) -> np.ndarray:
    if loss == "ce":
        return table.labels(target)[1]
    if loss == "bce":
        classes, index = table.labels(target)
        if len(classes) != 2:
            raise InputError(f"--loss bce needs a target with two classes; '{target}' has "
                             f"{len(classes)} (use --loss ce and one score per class).")
        return index.astype(float)  # the second class (in sorted order) is 1
    return table.numbers(target)


def initial(init: str, size: int, seed: int) -> np.ndarray:
    """`zeros`, or `random:SCALE` (seeded normal values times SCALE)."""
    if init == "zeros":
        return np.zeros(size)
    kind, _, scale = init.partition(":")
    try:
        value = float(scale)
    except ValueError:
        value = float("nan")
    if kind != "random" or not np.isfinite(value) or value <= 0:
        raise InputError(f"--init '{init}': write zeros or random:SCALE with SCALE > 0, such "
                         "as random:0.1.")
    return np.random.default_rng(seed).standard_normal(size) * value


def run(problem: Setup, plan: Plan, lr: float, batch: int | None, epochs: int, seed: int,
        tol: float, theta0: np.ndarray, progress, with_full_batch: bool) -> Outcome:
    m = len(problem.train.y)
    if batch is not None and batch > m:
        raise InputError(f"--batch {batch} is larger than the {m} training rows; use "
                         f"--batch {m} or --batch full (every row in one batch).")
    with paused():
        fit = train(problem.model, problem.loss, problem.train, problem.val, plan, lr, batch,
                    epochs, seed, tol, theta0, progress)
        full = None
        if with_full_batch and batch is not None and fit.status != "interrupted":
            full = train(problem.model, problem.loss, problem.train, None, plan, lr, None,
                         epochs, seed, tol, theta0)
    lstsq = least_squares(problem.model, problem.train) \
        if problem.model.linear and problem.loss == "mse" and problem.model.classes == 1 \
        else None
    if fit.status == "max_epochs" and rising(fit.epochs):
        fit = fit._replace(status="diverged")
    fixes = divergence_fixes(plan.transforms.clipping, problem.scaling is not None)
    text = message(fit, tol, fixes)
    if fit.status == "converged":  # ‖∇L‖ met the tolerance: but at a minimum?
        judged = no_minimum(problem, fit)
        if judged is not None:
            fit, text = fit._replace(status=judged[0]), judged[1]
    if fit.status == "max_epochs" and problem.scaling is None:
        text += scale_note(problem.model.features, problem.train.X)
    return Outcome(problem, fit, full, lstsq, text)


SCALES_APART = 100.0  # feature scales this far apart make one rate wrong for some directions


def scale_note(features: tuple[str, ...], X: np.ndarray) -> str:
    """Why an unscaled run crawls: the features' typical sizes (root mean square) differ by
    orders of magnitude from each other or from 1, a bare parameter's scale."""
    if not features:
        return ""
    sizes = np.sqrt(np.mean(X**2, axis=0))
    largest, smallest = int(np.argmax(sizes)), int(np.argmin(sizes))
    top, bottom = max(sizes[largest], 1.0), min(sizes[smallest], 1.0)
    if not bottom > 0 or top / bottom < SCALES_APART:
        return ""
    what = (f"'{features[largest]}' has a typical size of {sizes[largest]:.3g}" if top > 1 else
            f"'{features[smallest]}' has a typical size of {sizes[smallest]:.3g}")
    return (f" The features' scales differ by a factor of {top / bottom:.3g} ({what}, against 1 "
            "for a bare parameter), so a rate small enough for the steep directions crawls "
            "along the others; --standardize rescales them.")


NUDGES = 32  # random directions tried around a stationary point
NUDGE = 1e-2  # their length, relative to max(1, ‖θ‖)


def no_minimum(problem: Setup, fit: Fit) -> tuple[str, str] | None:
    """A gradient stop that is no minimum, as (status, sentence): parameters that never left a
    symmetric start while a small step lowers the loss (a saddle), or classes separated so
    that the loss only falls as the weights grow (no minimum at all)."""
    model, data, theta = problem.model, problem.train, fit.theta
    value = loss_and_gradient(model, problem.loss, data, theta)[0]
    stuck = [name for name, now, then in zip(model.params, theta, fit.path[0], strict=True)
             if now == then]
    if stuck:
        rng = np.random.default_rng(0)
        size = NUDGE * max(1.0, float(np.linalg.norm(theta)))
        nudges = rng.standard_normal((NUDGES, len(theta)))
        lowest = min(loss_and_gradient(model, problem.loss, data,
                                       theta + size * d / np.linalg.norm(d))[0] for d in nudges)
        if lowest < value - 1e-9 * max(1.0, abs(value)):
            return "stationary", (
                f"Stopped at a stationary point that is no minimum: {', '.join(stuck)} never "
                f"moved from {_values(fit.path[0], model.params, stuck)}: their gradients were "
                "exactly 0 at every step, as at a symmetric start (such as zeros multiplying "
                "each other, or under relu), so the model never used them; a step of "
                f"{size:.2g} from here lowers the loss from {value:.6g} to {lowest:.6g}. Start "
                "elsewhere, for example with --init random:0.5.")
    last = fit.epochs[-1]
    if problem.loss in ("bce", "ce") and last.train_accuracy == 1.0:
        doubled = loss_and_gradient(model, problem.loss, data, 2 * theta)[0]
        if doubled < value:
            return "flat", (
                f"Stopped by the tolerance, but the training classes are separated perfectly "
                f"(accuracy 1): the loss only falls as the weights grow ({value:.4g} now, "
                f"{doubled:.4g} at twice these weights), so it has no minimum, and a smaller --tol "
                "would only make them larger. What is learned is the weights' direction: keep the "
                "tolerance as a deliberate early stop, and check it on held-out rows with --val.")
    return None


def _values(theta: np.ndarray, params: tuple[str, ...], names: list[str]) -> str:
    values = {name: float(value) for name, value in zip(params, theta, strict=True)}
    shown = sorted({f"{values[name]:g}" for name in names})
    return shown[0] if len(shown) == 1 else "(" + ", ".join(shown) + ")"


RISE = 10.0  # a finished run whose loss ends this many times above its start and its lowest


def rising(epochs) -> bool:
    """The training loss ended far above both where it started and its lowest value: the
    steps overshoot, and the loss is on its way up, finite or not."""
    losses = np.array([row.train_loss for row in epochs])
    last = losses[-1]
    return bool(np.isfinite(last) and last > RISE * max(losses[0], np.nanmin(losses)))


def divergence_fixes(clipping: bool, standardized: bool) -> str:
    """What to try after a divergence, leaving out what the run already does."""
    fixes = ["a smaller --lr"] + ([] if clipping else ["--clip-norm"]) + (
        [] if standardized else ["--standardize (features on very different scales make one "
                                 "rate too big for some directions)"])
    return ", ".join(fixes[:-1]) + (" or " if len(fixes) > 1 else "") + fixes[-1]


def message(fit: Fit, tol: float, fixes: str) -> str:
    last = fit.epochs[-1]
    first = fit.epochs[0]
    if fit.status == "converged":
        return (f"Converged: ‖∇L‖ = {last.grad_norm:.2e} ≤ tol {tol:g} on the whole training "
                f"set after {last.epoch} epochs ({fit.iterations} steps).")
    if fit.status == "diverged" and np.isfinite(last.train_loss):
        lowest = min(fit.epochs, key=lambda row: row.train_loss)
        return (f"Diverged: the training loss rose from {lowest.train_loss:.4g} (epoch "
                f"{lowest.epoch}) to {last.train_loss:.4g} (epoch {last.epoch}); it is still "
                f"finite, but each step overshoots. Try {fixes}.")
    if fit.status == "diverged":
        return (f"Diverged in epoch {last.epoch}: the loss is no longer finite. Try {fixes}.")
    if fit.status == "interrupted":
        return (f"Interrupted ({interrupts.cause()}) after {fit.iterations} steps; the parameters "
                "so far are kept.")
    return (f"Stopped after {last.epoch} epochs ({fit.iterations} steps): ‖∇L‖ = "
            f"{last.grad_norm:.2e} on the whole training set is still above tol {tol:g}; the "
            f"training loss went from {first.train_loss:.4g} to {last.train_loss:.4g}.")


def original_scale(problem: Setup, theta: np.ndarray) -> np.ndarray | None:
    """Preset parameters for the unscaled features (w/σ, and b − Σ w·μ/σ), else None."""
    if problem.scaling is None or problem.model.kind == "custom":
        return None
    model, (mean, std) = problem.model, problem.scaling
    c = len(model.features)
    W = theta[:model.classes * c].reshape(model.classes, c)
    b = theta[model.classes * c:]
    return np.concatenate([(W / std).ravel(), b - (W * mean / std).sum(axis=1)])

