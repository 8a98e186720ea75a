"""Optimization methods as elementwise update rules, compiled by `fusion`.

A method is written once, as ordered assignments over the names `x` (the point), `g` (the
gradient), `lr` (the learning rate), `t` (the 1-based step number), its hyperparameters and its
state variables (which start at zero). Each assignment is a pure function of the old values:
the rule is optax's `update(grads, state) -> (updates, state)` written as data. `fusion` compiles
it into both the scalar loop of a single run and the NumPy step of a batch, so the two can never
disagree about what a method does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple


class Rule(NamedTuple):
    name: str
    formula: str  # the exact update, as the help text shows it
    state: tuple[str, ...]
    assignments: tuple[tuple[str, str], ...]
    defaults: Mapping[str, float]


RULES: dict[str, Rule] = {
    "gd": Rule("gd", "x ← x − η·g", (), (("x", "x - lr*g"),), {}),
}
