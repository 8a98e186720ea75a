"""Points and vectors typed as text (`--start 1,2`), kept exact so exact maths stays exact."""

from __future__ import annotations

import math
import os
import re
import stat
from fractions import Fraction

from gradcli.errors import InputError
from gradcli.symbolic.budget import outside_budget

LARGEST_SETTING = 1e100  # rates, tolerances and clips above this only overflow when squared
DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?(inf|infinity|nan)",
                     re.IGNORECASE | re.ASCII)  # plain ASCII digits; inf and nan are named


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
            if not DECIMAL.fullmatch(part):  # float() also takes '١' and '1_0'
                raise ValueError(part)
            number = float(part)
            if not math.isfinite(number):
                raise InputError(f"{option} value {position} ('{part}') is not finite; "
                                 "give ordinary numbers such as 1,2.")
            values.append(Fraction(part))
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


@outside_budget  # reading a file is bounded by its size, not by an expression
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
            values = _npy_numbers(path, option, length)
        else:
            with open(path, encoding="utf-8") as handle:
                values = _text_numbers(handle, path, option, length)
    except (OSError, ValueError, UnicodeDecodeError, EOFError) as error:
        raise InputError(f"{option} '{path}' cannot be read: {error}.") from None
    if values.size != length:
        held = f"more than {length}" if values.size > length else str(values.size)
        raise InputError(f"{option} '{path}' holds {held} numbers but the function has "
                         f"{length} coordinates.")
    if not np.isfinite(values).all():
        position = int(np.flatnonzero(~np.isfinite(values))[0]) + 1
        raise InputError(f"{option} '{path}': number {position} is not finite.")
    return values


def _npy_numbers(path: str, option: str, length: int):
    """A .npy file, its header checked before anything is allocated: shape and type, and a
    length that the file really holds (a header may claim billions of entries)."""
    import numpy as np
    from numpy.lib import format as npy

    with open(path, "rb") as handle:
        if handle.read(4) == b"PK\x03\x04":
            raise InputError(f"{option} '{path}' is a NumPy archive (.npz), not one array; save "
                             "the point with numpy.save.")
        handle.seek(0)
        version = npy.read_magic(handle)
        header = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
        shape, _, dtype = header(handle)  # the header alone, nothing allocated yet
        data = os.fstat(handle.fileno()).st_size - handle.tell()
    if len(shape) != 1 or dtype.kind not in "fiu":
        raise InputError(f"{option} '{path}' must hold a 1-D array of numbers, not shape "
                         f"{shape} of {dtype}.")
    if shape[0] * dtype.itemsize > data:
        raise InputError(f"{option} '{path}': its header claims {shape[0]} numbers, but the "
                         f"file holds only {data} bytes of data.")
    if shape[0] != length:
        raise InputError(f"{option} '{path}' holds {shape[0]} numbers but the function has "
                         f"{length} coordinates.")
    return np.load(path, allow_pickle=False).astype(float)


CHUNK = 1 << 20  # characters of a text point file read at a time


def _text_numbers(handle, path: str, option: str, length: int):
    """Numbers from text, read in pieces: never more than `length` + 1 of them, nor one
    line of the whole file, is held at once."""
    import numpy as np

    values = np.empty(length + 1)
    count, line_number, carry = 0, 1, ""
    while True:
        piece = handle.read(CHUNK)
        text = carry + piece
        cut = len(text) if not piece else max(text.rfind(" "), text.rfind("\n"),
                                               text.rfind(","), text.rfind("\t"))
        if cut < 0:  # no separator in the carried text yet
            if len(text) > CHUNK:
                raise InputError(f"{option} '{path}' line {line_number}: '{text[:20]}' is not "
                                 "a number.")
            carry = text
            continue
        body, carry = text[:cut], text[cut:]
        for line in body.split("\n"):
            for token in line.replace(",", " ").split():
                if count > length:
                    return values[:count]  # too many: the caller names the count
                try:
                    values[count] = float(token)
                except ValueError:
                    raise InputError(f"{option} '{path}' line {line_number}: '{token[:20]}' is "
                                     "not a number.") from None
                count += 1
            line_number += 1
        line_number -= 1
        if not piece:
            return values[:count]
