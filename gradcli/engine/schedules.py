"""Learning-rate schedules: the step-k learning rate is η·m(k), for a multiplier m.

Spec syntax (validated eagerly; one sentence per mistake):

    constant        m(k) = 1
    step:F@N        m(k) = F^⌊k/N⌋          (multiply by F every N steps)
    exp:G           m(k) = G^k               (exponential decay, 0 < G ≤ 1)
    inv:D           m(k) = 1/(1 + D·k)       (inverse-time decay, D ≥ 0)
    cosine:T        m(k) = ½(1 + cos(π·min(k, T)/T))   (to 0 at step T)
    cosine:T:W      linear warm-up (k+1)/W for k < W, then cosine from W to T

Each multiplier is Python expression text in `k`, compiled into the fused loop and into a
function for the batch engine, so both see exactly the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

from gradcli.counts import parse_count, shown
from gradcli.errors import InputError

SYNTAX = "constant, step:F@N, exp:G, inv:D, cosine:T or cosine:T:W"


class Schedule(NamedTuple):
    spec: str
    multiplier: str  # Python expression in k (0-based step); math functions as math.*

    @property
    def constant(self) -> bool:
        return self.multiplier == "1.0"

    def zero_from(self, steps: int) -> int | None:
        """The first step k < steps from which the rate is exactly 0 for good (cosine past T,
        exp and step once they underflow), or None. Every multiplier here falls monotonically
        after its warm-up, so a bisection finds it."""
        if self.constant:
            return None
        multiplier = self.function()
        if multiplier(steps - 1) != 0:
            return None
        low, high = 0, steps - 1  # multiplier(high) == 0
        while low < high:
            middle = (low + high) // 2
            if multiplier(middle) == 0:
                high = middle
            else:
                low = middle + 1
        return high

    def function(self) -> Callable[[int], float]:
        from gradcli.engine.compile import build

        return build(f"def multiplier(k):\n    return {self.multiplier}\n", "multiplier")


CONSTANT = Schedule("constant", "1.0")


def _fail(spec: str, problem: str, example: str) -> InputError:
    return InputError(f"--schedule '{shown(spec)}': {problem}; for example --schedule {example} "
                      f"(forms: {SYNTAX}).")


def _number(text: str, spec: str, what: str, example: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _fail(spec, f"{what} must be a number, not '{text}'", example) from None
    if not math.isfinite(value):
        raise _fail(spec, f"{what} must be finite", example)
    return value


def _count(text: str, spec: str, what: str, example: str, least: int = 1) -> int:
    count = parse_count(text)
    if count is None or count < least:
        raise _fail(spec, f"{what} must be a whole number ≥ {least}, not '{shown(text)}'",
                    example)
    return count


def parse_schedule(spec: str | None) -> Schedule:
    if spec is None or spec.strip() == "constant":
        return CONSTANT
    text = spec.strip()
    kind, _, rest = text.partition(":")
    if kind == "step":
        example = "step:0.5@100"
        factor, at, every = rest.partition("@")
        if not at:
            raise _fail(text, "write the factor and the period as F@N", example)
        f = _number(factor, text, "the factor F", example)
        if not 0 < f <= 1:
            raise _fail(text, "the factor F must lie in (0, 1]", example)
        n = _count(every, text, "the period N", example)
        return Schedule(text, f"{f!r}**(k // {n})")
    if kind == "exp":
        example = "exp:0.99"
        g = _number(rest, text, "the factor G", example)
        if not 0 < g <= 1:
            raise _fail(text, "the factor G must lie in (0, 1]", example)
        return Schedule(text, f"{g!r}**k")
    if kind == "inv":
        example = "inv:0.01"
        d = _number(rest, text, "the rate D", example)
        if d < 0:
            raise _fail(text, "the rate D must be ≥ 0", example)
        return Schedule(text, f"1.0/(1.0 + {d!r}*k)")
    if kind == "cosine":
        example = "cosine:1000 or cosine:1000:100"
        parts = rest.split(":")
        if len(parts) not in (1, 2):
            raise _fail(text, "write cosine:T or cosine:T:W", example)
        total = _count(parts[0], text, "the length T", example)
        warm = _count(parts[1], text, "the warm-up W", example, least=0) if len(parts) == 2 else 0
        if warm >= total:
            raise _fail(text, "the warm-up W must be shorter than the length T", example)
        cosine = f"0.5*(1.0 + math.cos(math.pi*min(k - {warm}, {total - warm})/{total - warm}))"
        return Schedule(text, f"((k + 1)/{warm} if k < {warm} else {cosine})" if warm
                        else cosine)
    raise _fail(text, f"unknown schedule '{kind}'", "exp:0.99")
