"""Optimization methods as elementwise update rules, and their batched (init, update) form.

A method is written once, as ordered assignments over the names `x` (the point), `g` (the
gradient), `lr` (the learning rate), `t` (the 1-based step number), its hyperparameters and its
state variables (which start at zero). From that one text gradcli builds both the batched NumPy
`(init, update)` pair the engine steps over many runs, and the fused scalar loop of a single run,
so the two can never disagree about what a method does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import NamedTuple

import numpy as np

State = tuple[np.ndarray, ...]


class Rule(NamedTuple):
    name: str
    formula: str  # the exact update, as the help text shows it
    state: tuple[str, ...]
    assignments: tuple[tuple[str, str], ...]
    defaults: Mapping[str, float]


class Optimizer(NamedTuple):
    """optax-style pure functions: init(x) -> state; update(x, g, state, lr, t) -> (x, state)."""

    init: Callable[[np.ndarray], State]
    update: Callable[[np.ndarray, np.ndarray, State, float | np.ndarray, int],
                     tuple[np.ndarray, State]]


RULES: dict[str, Rule] = {
    "gd": Rule("gd", "x ← x − η·g", (), (("x", "x - lr*g"),), {}),
}


def batched(rule: Rule, params: Mapping[str, float]) -> Optimizer:
    """Generate the NumPy update from the rule's assignments (gradcli's text, never the user's)."""
    values = {**rule.defaults, **params}
    arguments = "".join(f", {name}={float(values[name])!r}" for name in rule.defaults)
    unpack = f"    ({', '.join(rule.state)},) = state\n" if rule.state else ""
    body = "".join(f"    {name} = {expression}\n" for name, expression in rule.assignments)
    packed = "".join(f"{name}, " for name in rule.state)
    source = (f"def update(x, g, state, lr, t{arguments}):\n{unpack}{body}"
              f"    return x, ({packed})\n")
    namespace: dict = {"sqrt": np.sqrt}
    exec(compile(source, f"<gradcli:{rule.name}>", "exec"), namespace)  # noqa: S102

    def init(x: np.ndarray) -> State:
        return tuple(np.zeros_like(x) for _ in rule.state)

    return Optimizer(init, namespace["update"])
