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


def fmt_vector(values: Iterable[float], digits: int = 10) -> str:
    return "(" + ", ".join(fmt(v, digits) for v in values) + ")"
