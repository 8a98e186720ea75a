"""Optimization methods: elementwise update rules, and Newton, with their hyperparameters.

An elementwise method is written once, as ordered assignments over the names `x` (the point),
`g` (the gradient after clipping, noise and accumulation), `lr` (this step's learning rate), `t`
(the 1-based step number), its hyperparameters and its state variables (which start at zero).
Each assignment is a pure function of the old values: the rule is optax's
`update(grads, state) -> (updates, state)` written as data. `fusion` compiles it into both the
scalar loop of a single run and the NumPy step of a batch, so the two can never disagree.

Newton's method needs the Hessian and a linear solve, so it is a batch step of its own
(`newton.py`); it is listed here so that every method has one name, one formula and one set of
options.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import NamedTuple

from gradcli.errors import InputError


class Param(NamedTuple):
    """A hyperparameter: its option, default, and the open/closed interval it must lie in."""

    name: str
    option: str
    default: float
    low: float
    high: float
    low_closed: bool
    high_closed: bool
    meaning: str

    def interval(self) -> str:
        return (("[" if self.low_closed else "(") + f"{self.low:g}, {self.high:g}"
                + ("]" if self.high_closed else ")"))

    def admits(self, value: float) -> bool:
        above = value >= self.low if self.low_closed else value > self.low
        below = value <= self.high if self.high_closed else value < self.high
        return above and below


INF = float("inf")
MOMENTUM = Param("momentum", "--momentum", 0.9, 0, 1, True, False, "momentum β")
EPS = Param("eps", "--eps", 1e-8, 0, INF, False, False, "ε, added to the denominator")


class Coefficients(NamedTuple):
    """One elementwise method as an instance of the common update

        m ← β₁·m + c₁·g;  v ← β₂·v + c₂·g²;  x ← x − η·(a·g + b·m/q₁)/(d·√(v/q₂) + e)

    with q = 1 − βᵗ where `bias` (Adam's correction), else 1. Every elementwise method here is
    this update with its own coefficients, so methods side by side can share one vectorised
    step; with coefficients 0 and 1 it performs exactly the operations of the method's own rule
    (1·g = g, adding 0·m adds zero, dividing by 1 is exact).
    """

    beta1: float
    c1: float
    beta2: float
    c2: float
    a: float
    b: float
    d: float
    e: float
    bias: bool



class Rule(NamedTuple):
    name: str
    title: str
    formula: str  # the exact update, as the help text shows it
    state: tuple[str, ...]
    assignments: tuple[tuple[str, str], ...]  # empty for Newton (see newton.py)
    params: tuple[Param, ...]
    default_lr: float | None = None  # a method's own default learning rate, if it has one
    common: Callable[[Mapping[str, float]], Coefficients] | None = None

    @property
    def elementwise(self) -> bool:
        return bool(self.assignments)


RULES: dict[str, Rule] = {rule.name: rule for rule in (
    Rule("gd", "gradient descent", "x ← x − η·g", (), (("x", "x - lr*g"),), (),
         common=lambda p: Coefficients(0, 0, 0, 0, 1, 0, 0, 1, False)),
    Rule("momentum", "heavy-ball momentum", "v ← β·v + g;  x ← x − η·v", ("v",),
         (("v", "momentum*v + g"), ("x", "x - lr*v")), (MOMENTUM,),
         common=lambda p: Coefficients(p["momentum"], 1, 0, 0, 0, 1, 0, 1, False)),
    Rule("nesterov", "Nesterov momentum", "v ← β·v + g;  x ← x − η·(g + β·v)", ("v",),
         (("v", "momentum*v + g"), ("x", "x - lr*(g + momentum*v)")), (MOMENTUM,),
         common=lambda p: Coefficients(p["momentum"], 1, 0, 0, 1, p["momentum"], 0, 1, False)),
    Rule("adagrad", "AdaGrad", "s ← s + g²;  x ← x − η·g/(√s + ε)", ("s",),
         (("s", "s + g*g"), ("x", "x - lr*g/(sqrt(s) + eps)")),
         (EPS._replace(default=1e-10),),
         common=lambda p: Coefficients(0, 0, 1, 1, 1, 0, 1, p["eps"], False)),
    Rule("rmsprop", "RMSProp", "s ← ρ·s + (1 − ρ)·g²;  x ← x − η·g/(√s + ε)", ("s",),
         (("s", "decay*s + (1 - decay)*g*g"), ("x", "x - lr*g/(sqrt(s) + eps)")),
         (Param("decay", "--decay", 0.99, 0, 1, True, False, "decay ρ"), EPS),
         common=lambda p: Coefficients(0, 0, p["decay"], 1 - p["decay"], 1, 0, 1, p["eps"],
                                       False)),
    Rule("adam", "Adam (bias-corrected)",
         "m ← β₁·m + (1 − β₁)·g;  v ← β₂·v + (1 − β₂)·g²;  "
         "x ← x − η·(m/(1 − β₁ᵗ))/(√(v/(1 − β₂ᵗ)) + ε)", ("m", "v"),
         (("m", "beta1*m + (1 - beta1)*g"), ("v", "beta2*v + (1 - beta2)*g*g"),
          ("x", "x - lr*(m/(1 - beta1**t))/(sqrt(v/(1 - beta2**t)) + eps)")),
         (Param("beta1", "--beta1", 0.9, 0, 1, True, False, "β₁"),
          Param("beta2", "--beta2", 0.999, 0, 1, True, False, "β₂"), EPS),
         common=lambda p: Coefficients(p["beta1"], 1 - p["beta1"], p["beta2"], 1 - p["beta2"],
                                       0, 1, 1, p["eps"], True)),
    Rule("newton", "Newton's method (safeguarded)",
         "x ← x − η·(H + μI)⁻¹·g; μ = 0 where H is positive definite, else "
         "μ = 10⁻³·max(1, |λ|max) − λmin", (), (), (), default_lr=1.0),
)}

OPTION_NAMES = {param.option: param for rule in RULES.values() for param in rule.params}
KNOWN = ", ".join(RULES)


def rule_named(name: str) -> Rule:
    if name not in RULES:
        import difflib

        near = [name.lower()] if name.lower() in RULES else \
            difflib.get_close_matches(name.lower(), RULES, n=1)
        hint = f"did you mean {near[0]}? " if near else ""
        raise InputError(f"unknown method '{name}'; {hint}known methods: {KNOWN}.")
    return RULES[name]


def hyperparameters(rule: Rule, given: Mapping[str, float]) -> dict[str, float]:
    """The rule's hyperparameters: defaults, overridden by `given` (by name), each checked."""
    own = {param.name: param for param in rule.params}
    values = {}
    for name, value in given.items():
        if name not in own:
            param = next((p for p in OPTION_NAMES.values() if p.name == name), None)
            users = [r.name for r in RULES.values() if param in r.params] if param else []
            where = f"; it applies to {', '.join(users)}" if users else ""
            raise InputError(f"{rule.name} has no hyperparameter '{name}'{where}.")
        param = own[name]
        if not param.admits(value):
            raise InputError(f"{param.option} ({param.meaning}) must lie in {param.interval()}, "
                             f"not {value:g}.")
        values[name] = float(value)
    return {param.name: values.get(param.name, param.default) for param in rule.params}
