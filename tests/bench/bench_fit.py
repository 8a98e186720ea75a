"""Speed of `fit`, each timed beside its baseline in the same run.

    python tests/bench/bench_fit.py

Prints one line per measurement with the ratio and the target. Nothing is asserted.
"""

from __future__ import annotations

import numpy as np
from timing import best_of

from gradcli.engine.plan import make_plan
from gradcli.learn.fitting import prepare
from gradcli.learn.models import preset
from gradcli.learn.training import Data, train


def iris() -> None:
    setup = prepare(None, "softmax", "iris", "species", None, None, None, True, None, 0)
    plan = make_plan("gd", {})
    seconds = best_of(3, lambda: train(setup.model, "ce", setup.train, None, plan, 0.1, 8, 100,
                                       0, 1e-6, np.zeros(15)))
    fit = train(setup.model, "ce", setup.train, None, plan, 0.1, 8, 100, 0, 1e-6, np.zeros(15))
    print(f"{'Iris softmax, 100 epochs, batch 8':<46} {seconds:8.3f} s  (target ≤ 1 s)  "
          f"{'ok' if seconds <= 1 else 'OVER TARGET'}; training accuracy "
          f"{fit.epochs[-1].train_accuracy:.3f}")


def linear_regression() -> None:
    rng = np.random.default_rng(0)
    rows, features = 10**5, 5
    X = rng.normal(size=(rows, features))
    y = X @ rng.normal(size=features) + 0.5 + 0.1 * rng.normal(size=rows)
    model = preset("linear", tuple(f"x{j}" for j in range(features)), None)
    plan = make_plan("gd", {})

    def ours():
        return train(model, "mse", Data(X, y), None, plan, 0.01, 64, 10, 0, 0.0,
                     np.zeros(features + 1))

    def by_hand():
        shuffle = np.random.default_rng(0)
        w, b = np.zeros(features), 0.0
        for _ in range(10):
            order = shuffle.permutation(rows)
            for start in range(0, rows, 64):
                chosen = order[start:start + 64]
                residual = X[chosen] @ w + b - y[chosen]
                w = w - 0.01 * (2 / len(chosen)) * (X[chosen].T @ residual)
                b = b - 0.01 * (2 / len(chosen)) * residual.sum()
        return w, b

    mine, hand = best_of(3, ours), best_of(3, by_hand)
    ratio = mine / hand
    print(f"{'linear regression, 10^5 × 5, batch 64, 10 epochs':<46} {mine:8.3f} s vs "
          f"{hand:8.3f} s by hand  ratio {ratio:5.2f}  (target ≤ 2)  "
          f"{'ok' if ratio <= 2 else 'OVER TARGET'}")


if __name__ == "__main__":
    iris()
    linear_regression()
