"""Models f_θ(x): K class scores (or one prediction) per row, and their exact gradients.

A custom model is an expression in data columns and parameters (each of its K scores one
expression); SymPy differentiates it once with respect to each parameter and the partials are
compiled to run on whole columns. The presets are matrix products: linear (ŷ = w·x + b),
logistic (a logit w·x + b) and softmax (scores Wx + b, one row of W per class).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import sympy as sp

from gradcli.engine.compile import compile_batch, evaluate
from gradcli.errors import InputError
from gradcli.symbolic.parsing import natural_key, parse
from gradcli.symbolic.printing import plain

PRESETS = ("linear", "logistic", "softmax")
MAX_PARAMS = 10_000


class Model(NamedTuple):
    kind: str  # "custom" or a preset
    formula: str  # for people
    features: tuple[str, ...]  # the data columns it reads, in order
    params: tuple[str, ...]
    classes: int  # K, the number of scores per row
    compiled: object = None  # custom: scores then ∂z_k/∂θ_j, on columns then parameters
    linear: bool = False  # the scores are affine in θ (then least squares solves MSE exactly)
    notes: tuple[str, ...] = ()  # what the model's form means for training, one line each

    def scores(self, X: np.ndarray, theta: np.ndarray) -> np.ndarray:
        """(m, K) scores for the rows of X (m, features)."""
        if self.kind == "custom":
            return self._custom(X, theta)[:, :self.classes]
        W, b = self._weights(theta)
        return X @ W.T + b

    def gradient(self, X: np.ndarray, theta: np.ndarray, G: np.ndarray) -> np.ndarray:
        """Σ_i Σ_k G[i, k] ∂z_ik/∂θ: the chain rule with the loss head's dL/dZ = G."""
        if self.kind == "custom":
            K, p = self.classes, len(self.params)
            partials = self._custom(X, theta)[:, K:].reshape(len(X), K, p)
            return np.einsum("ik,ikj->j", G, partials)
        grad_W = G.T @ X
        return np.concatenate([grad_W.ravel(), G.sum(axis=0)])

    def _custom(self, X: np.ndarray, theta: np.ndarray) -> np.ndarray:
        stacked = np.hstack([X, np.broadcast_to(theta, (len(X), len(theta)))])
        return evaluate(self.compiled, stacked)

    def _weights(self, theta: np.ndarray):
        c = len(self.features)
        return theta[:self.classes * c].reshape(self.classes, c), theta[self.classes * c:]

    def design(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For a model affine in θ with one score: z = J·θ + c0, as (J, c0)."""
        zero = np.zeros(len(self.params))
        c0 = self.scores(X, zero)[:, 0]
        J = np.empty((len(X), len(self.params)))
        for j in range(len(self.params)):
            unit = zero.copy()
            unit[j] = 1.0
            J[:, j] = self.scores(X, unit)[:, 0] - c0
        return J, c0


def preset(kind: str, features: tuple[str, ...], classes: list[str] | None) -> Model:
    if kind == "softmax":
        K = len(classes)
        params = tuple(f"W[{label},{name}]" for label in classes for name in features) + \
            tuple(f"b[{label}]" for label in classes)
        formula = "z_k = Σ_j W[k,j]·x_j + b[k] for each class k; p = softmax(z)"
        return Model(kind, formula, features, params, K, linear=True)
    params = tuple(f"w_{name}" for name in features) + ("b",)
    terms = " + ".join(f"w_{name}·{name}" for name in features)
    formula = (f"ŷ = {terms} + b" if kind == "linear"
               else f"z = {terms} + b; p(y = 1) = sigmoid(z)")
    return Model(kind, formula, features, params, 1, linear=True)


def custom(text: str, header: tuple[str, ...], target: str, params: str | None) -> Model:
    """K scores written as comma-separated expressions; names that are columns are data (a
    column named `e` or `pi` included), every other name a parameter (or exactly those listed
    in --params). A model that reads its own target is refused: it would learn nothing."""
    parsed = parse(text, several=True, data=frozenset(header))
    if parsed.vectors:
        raise InputError("fit models use named parameters (w, b, …), not vectors x[i].")
    names = list(dict.fromkeys(parsed.names))
    if target in names:
        raise InputError(f"the model reads '{target}', the target it is asked to predict; a "
                         "model cannot read what it predicts (write it in the other columns).")
    header = tuple(name for name in header if name != target)
    if params is not None:
        wanted = [p.strip() for p in params.split(",") if p.strip()]
        for name in wanted:
            if name in header:
                raise InputError(f"--params lists '{name}', which is a column of the data.")
        unknown = [n for n in names if n not in header and n not in wanted]
        if unknown:
            raise InputError(f"the model uses '{unknown[0]}', which is neither a column of the "
                             "data nor listed in --params.")
        chosen = wanted
    else:
        chosen = sorted((n for n in names if n not in header), key=natural_key)
    features = tuple(n for n in header if n in names and n not in chosen)
    if not chosen:
        raise InputError("the model has no parameters: every name in it is a column of the "
                         "data; add parameters, such as \"w*x + b\".")
    if len(chosen) > MAX_PARAMS:
        raise InputError(f"the model has {len(chosen)} parameters; the limit is {MAX_PARAMS}.")
    symbols = [sp.Symbol(n, real=True) for n in (*features, *chosen)]
    thetas = symbols[len(features):]
    scores = list(parsed.components)
    partials = [sp.diff(z, t) for z in scores for t in thetas]
    linear = all(sp.diff(d, t) == 0 for d in partials for t in thetas)
    compiled = compile_batch([*scores, *partials], symbols)
    formula = ", ".join(plain(z) for z in scores)
    return Model("custom", formula, features, tuple(chosen), len(scores), compiled, linear,
                 _notes(chosen, [partials[j::len(thetas)] for j in range(len(thetas))]))


def _notes(params: list[str], partials: list[list[sp.Expr]]) -> tuple[str, ...]:
    """A parameter the scores do not depend on, and parameters that enter only together."""
    notes = [f"the model does not depend on '{name}' (listed in --params): its gradient is "
             "always 0, so it stays where it starts."
             for name, column in zip(params, partials, strict=True)
             if all(part == 0 for part in column)]
    seen: dict[tuple, str] = {}
    for name, column in zip(params, partials, strict=True):
        key = tuple(sp.expand(part) for part in column)
        if any(part != 0 for part in key) and key in seen:
            notes.append(f"'{seen[key]}' and '{name}' have the same partial derivatives, so the "
                         f"data fixes only their sum; gradient descent moves both alike.")
        seen.setdefault(key, name)
    return tuple(notes)
