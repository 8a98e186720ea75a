"""Points and vectors typed as text (`--start 1,2`), kept exact so exact maths stays exact."""

from __future__ import annotations

import math
import os
import re
import stat
from fractions import Fraction

from gradcli.errors import InputError


def parse_vector(text: str, option: str, length: int | None = None) -> tuple[Fraction, ...]:
    """Parse comma-separated decimal numbers exactly (in parentheses or brackets, if the user
    writes them so); say which option is wrong and why."""
    text = text.strip()
    if text[:1] + text[-1:] in ("()", "[]"):
        text = text[1:-1]
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


MAX_POINT_FILE = 1 << 30  # bytes of a --start/--at file
_NUMBER_LIST = re.compile(r"[\s\d.eE+\-,]+")


def parse_point(text: str, option: str, length: int, exact: bool):
    """A point for a vector function: a full list, one number (every coordinate), a pattern
    repeated to length n (`-1.2,1...`), or a file of numbers (text, or NumPy's .npy).

    Exact Fractions with `exact` (a small n, where exact maths stays exact), else float64.
    """
    import numpy as np

    stripped = text.strip()
    repeat = stripped.endswith("...")
    listed = stripped[:-3] if repeat else stripped
    if listed and _NUMBER_LIST.fullmatch(listed) and not os.path.exists(stripped):
        values = parse_vector(listed.rstrip(","), option)
        if not repeat and len(values) not in (1, length):
            raise InputError(f"{option} has {len(values)} values but the function has {length} "
                             f"coordinates; give {length}, one for every coordinate, or a "
                             "pattern to repeat such as -1.2,1...")
        tiled = [values[j % len(values)] for j in range(length)] if len(values) < length \
            else list(values)
        if len(tiled) != length:
            raise InputError(f"{option} pattern has {len(values)} values, more than the "
                             f"{length} coordinates.")
        return tuple(tiled) if exact else np.array([float(v) for v in tiled])
    numbers = _read_numbers(stripped, option, length)
    return tuple(Fraction(float(v)) for v in numbers) if exact else numbers


def _read_numbers(path: str, option: str, length: int):
    """Numbers from a file: .npy (a 1-D array) or text (numbers separated by spaces, commas or
    lines); exactly `length` of them, all finite."""
    import numpy as np

    try:
        info = os.stat(path)
    except OSError:
        raise InputError(f"{option} '{path}' is neither a list of numbers nor a readable file; "
                         "give numbers such as 1,2, a pattern such as -1.2,1..., or a file.") \
            from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"{option} '{path}' is not a regular file.")
    if info.st_size > MAX_POINT_FILE:
        raise InputError(f"{option} '{path}' is {info.st_size} bytes; the limit is "
                         f"{MAX_POINT_FILE}.")
    try:
        if path.endswith(".npy"):
            values = np.load(path, allow_pickle=False)
            if values.ndim != 1 or values.dtype.kind not in "fiu":
                raise InputError(f"{option} '{path}' must hold a 1-D array of numbers, not "
                                 f"shape {values.shape} of {values.dtype}.")
            values = values.astype(float)
        else:
            with open(path, encoding="utf-8") as handle:
                values = _text_numbers(handle, path, option)
    except (OSError, ValueError, UnicodeDecodeError) as error:
        raise InputError(f"{option} '{path}' cannot be read: {error}.") from None
    if values.size != length:
        raise InputError(f"{option} '{path}' holds {values.size} numbers but the function has "
                         f"{length} coordinates.")
    if not np.isfinite(values).all():
        position = int(np.flatnonzero(~np.isfinite(values))[0]) + 1
        raise InputError(f"{option} '{path}': number {position} is not finite.")
    return values


def _text_numbers(handle, path: str, option: str):
    import numpy as np

    values: list[float] = []
    for line_number, line in enumerate(handle, start=1):
        for token in line.replace(",", " ").split():
            try:
                values.append(float(token))
            except ValueError:
                raise InputError(f"{option} '{path}' line {line_number}: '{token[:20]}' is not "
                                 "a number.") from None
    return np.array(values, dtype=float)
