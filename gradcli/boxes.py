"""Boxes typed as text: `--box -5:5` (every variable) or `--box -5:5,-3:3` (one per variable)."""

from __future__ import annotations

import math

from gradcli.errors import InputError

LARGEST_BOUND = 1e100  # so HIGH − LOW, grids and distances stay finite


def parse_box(text: str, count: int) -> tuple[tuple[float, float], ...]:
    parts = [part.strip() for part in text.split(",")]
    if ":" not in text and len(parts) == 2:
        raise InputError(f"--box takes ranges written LOW:HIGH; write {parts[0]}:{parts[1]} "
                         f"(not {text}), or one range per variable separated by commas.")
    if len(parts) == 1:
        parts = parts * count
    if len(parts) != count:
        raise InputError(f"--box has {len(parts)} ranges but the function has {count} "
                         f"variables; give one LOW:HIGH, or {count} separated by commas.")
    box = []
    for position, part in enumerate(parts, start=1):
        low_text, colon, high_text = part.partition(":")
        try:
            low, high = float(low_text), float(high_text)
        except ValueError:
            low = high = math.nan
        if not colon or not (math.isfinite(low) and math.isfinite(high)):
            raise InputError(f"--box range {position} ('{part}') is not LOW:HIGH with finite "
                             "numbers; write, for example, --box -5:5.")
        if low >= high:
            raise InputError(f"--box range {position} ('{part}') needs LOW < HIGH.")
        if max(abs(low), abs(high)) > LARGEST_BOUND:
            raise InputError(f"--box range {position} ('{part}') goes beyond ±1e100; "
                             "give a smaller box.")
        box.append((low, high))
    return tuple(box)
