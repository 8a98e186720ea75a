"""Number formatting shared by every human renderer."""

from __future__ import annotations

import math
from collections.abc import Iterable


def fmt(value: float | None, digits: int = 10) -> str:
    """Integers without a decimal point, others to `digits` significant figures, never cut."""
    if value is None:
        return "—"
    if not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.{digits}g}"


def fmt_bound(value: float | None, digits: int = 10) -> str:
    """A stability bound to `digits` figures rounded toward zero: a learner who takes the printed
    number as the rate must still be stable (0.0149492903 prints 0.0149492, not 0.0149493)."""
    if value is None or not math.isfinite(value) or value <= 0 or value == int(value):
        return fmt(value, digits)
    scale = 10.0 ** (math.floor(math.log10(value)) - digits + 1)
    down = math.floor(value / scale) * scale
    return f"{down:.{digits}g}"


def fmt_vector(values: Iterable[float], digits: int = 10) -> str:
    return "(" + ", ".join(fmt(v, digits) for v in values) + ")"


SHOWN_ENDS = 3  # a long vector shows this many entries at each end


def fmt_long(values, digits: int = 10) -> str:
    """A vector of any length on one line: every entry up to 2·SHOWN_ENDS + 1, else the first
    and last few around '…' with the length."""
    values = list(values) if len(values) <= 2 * SHOWN_ENDS + 1 else \
        [*values[:SHOWN_ENDS], None, *values[-SHOWN_ENDS:]]
    if None not in values:
        return fmt_vector(values, digits)
    head, tail = values[:SHOWN_ENDS], values[SHOWN_ENDS + 1:]
    return "(" + ", ".join([*(fmt(v, digits) for v in head), "…",
                            *(fmt(v, digits) for v in tail)]) + ")"
