"""Loss heads: the mean loss over a batch and its gradient with respect to the scores, in
closed form (MSE: 2(ŷ − y)/m; softmax cross-entropy: (p − onehot(y))/m, with log-sum-exp)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Head = Callable[[np.ndarray, np.ndarray], tuple[float, np.ndarray]]


def mse(Z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    residual = Z[:, 0] - y
    return float(np.mean(residual**2)), (2 * residual / len(y))[:, None]


def mae(Z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    residual = Z[:, 0] - y
    return float(np.mean(np.abs(residual))), (np.sign(residual) / len(y))[:, None]


def bce(Z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Binary cross-entropy from a logit z: softplus(z) − y·z, computed without overflow."""
    z = Z[:, 0]
    loss = np.maximum(z, 0) - y * z + np.log1p(np.exp(-np.abs(z)))
    p = np.exp(-np.logaddexp(0.0, -z))  # sigmoid(z), stably
    return float(np.mean(loss)), ((p - y) / len(y))[:, None]


def ce(Z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Softmax cross-entropy over K scores; y holds class indices."""
    shifted = Z - Z.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(shifted).sum(axis=1))
    rows = np.arange(len(y))
    loss = log_norm - shifted[rows, y.astype(int)]
    p = np.exp(shifted - log_norm[:, None])
    p[rows, y.astype(int)] -= 1
    return float(np.mean(loss)), p / len(y)


HEADS: dict[str, Head] = {"mse": mse, "mae": mae, "bce": bce, "ce": ce}
CLASSIFYING = {"bce", "ce"}


def accuracy(loss: str, Z: np.ndarray, y: np.ndarray) -> float | None:
    """Share of rows whose predicted class is the label (classification losses only)."""
    if loss == "bce":
        return float(np.mean((Z[:, 0] > 0) == (y > 0.5)))
    if loss == "ce":
        return float(np.mean(Z.argmax(axis=1) == y))
    return None
