"""What a run is asked to do: method, hyperparameters, schedule, gradient transforms."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from gradcli.engine.optimizers import Rule
from gradcli.engine.schedules import CONSTANT, Schedule
from gradcli.errors import InputError


class Transforms(NamedTuple):
    """What happens to ∇f before the method sees it, in this order: noise, accumulation, clipping.

    noise: σ of seeded Gaussian noise (a model of minibatch gradients); accumulate: gradients are
    summed across steps instead of reset (the "forgot to zero the gradients" bug); clip_value,
    then clip_norm: the usual guards against exploding gradients.
    """

    noise: float | None = None
    seed: int | None = None
    accumulate: bool = False
    clip_value: float | None = None
    clip_norm: float | None = None

    @property
    def clipping(self) -> bool:
        return self.clip_value is not None or self.clip_norm is not None

    @property
    def active(self) -> bool:
        return self.noise is not None or self.accumulate or self.clipping


EXACT = Transforms()  # no noise, no accumulation, no clipping


class Plan(NamedTuple):
    rule: Rule
    params: Mapping[str, float]
    schedule: Schedule = CONSTANT
    transforms: Transforms = EXACT
    line_search: bool = False

    @property
    def compiled(self) -> bool:
        """Elementwise without line search: the whole step compiles (see `fusion`)."""
        return self.rule.elementwise and not self.line_search

    @property
    def tracks_rate(self) -> bool:
        return not self.schedule.constant or self.line_search

    def check(self) -> Plan:
        """Refuse combinations that have no meaning, in one sentence each."""
        if self.line_search and self.rule.name not in ("gd", "newton"):
            raise InputError(f"--line-search works with gd and newton, not {self.rule.name}.")
        if (self.line_search or not self.rule.elementwise) and self.transforms.active:
            who = self.rule.name if not self.rule.elementwise else "--line-search"
            raise InputError(f"{who} uses the exact gradient; drop --noise, --accumulate and "
                             "--clip-norm/--clip-value, or choose a first-order method.")
        return self


def make_plan(method: str, given: Mapping[str, float], schedule: str | None = None,
              transforms: Transforms = EXACT, line_search: bool | None = None) -> Plan:
    """A checked plan from the words a user typed. Newton searches its line unless told not to
    (`line_search=False`, pure Newton): a full Newton step far from a minimum can throw f up by
    orders of magnitude (Beale from its default start)."""
    from gradcli.engine.optimizers import hyperparameters, rule_named
    from gradcli.engine.schedules import parse_schedule

    rule = rule_named(method)
    searched = rule.name == "newton" if line_search is None else line_search
    return Plan(rule, hyperparameters(rule, given), parse_schedule(schedule), transforms,
                searched).check()
