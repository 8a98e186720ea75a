"""Points and vectors typed as text (`--start 1,2`), kept exact so exact maths stays exact."""

from __future__ import annotations

import math
from fractions import Fraction

from gradcli.errors import InputError


def parse_vector(text: str, option: str, length: int | None = None) -> tuple[Fraction, ...]:
    """Parse comma-separated decimal numbers exactly; say which option is wrong and why."""
    parts = [part.strip() for part in text.split(",")]
    values: list[Fraction] = []
    for position, part in enumerate(parts, start=1):
        try:
            number = float(part)
            if not math.isfinite(number):
                raise InputError(f"{option} value {position} ('{part}') is not finite; "
                                 "give ordinary numbers such as 1,2.")
            values.append(Fraction(part.replace("_", "")))
        except (ValueError, ZeroDivisionError):
            raise InputError(f"{option} value {position} ('{part}') is not a number; "
                             "give numbers separated by commas, such as 1,-2.5.") from None
    if length is not None and len(values) != length:
        plural = "s" if length != 1 else ""
        raise InputError(f"{option} has {len(values)} value{'s' if len(values) != 1 else ''} "
                         f"but the function has {length} variable{plural}; "
                         f"give {length} number{plural} separated by commas.")
    return tuple(values)
