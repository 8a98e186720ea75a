"""CSV for programs: one row per recorded step, a header naming every column."""

from __future__ import annotations

import csv
import math
from typing import TextIO

from gradcli.engine.result import Result

RESERVED = {"k", "f", "grad_norm", "step"}


def _cell(value: float | None) -> str:
    return "" if value is None or not math.isfinite(value) else repr(float(value))


def column_names(variables: tuple[str, ...]) -> list[str]:
    """One column per variable; a name that clashes with another column gains `x_` prefixes
    until it is unique (`k` → `x_k`, or `x_x_k` when `x_k` is a variable too)."""
    taken = RESERVED | set(variables)
    names = []
    for name in variables:
        if name in RESERVED:
            name = f"x_{name}"
            while name in taken:
                name = f"x_{name}"
            taken.add(name)
        names.append(name)
    return names


def write_csv(result: Result, stream: TextIO) -> None:
    """Columns k, one per variable (renamed when it clashes), f, grad_norm, step."""
    names = column_names(result.columns)
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(["k", *names, "f", "grad_norm", "step"])
    for row in result.history.rows():
        writer.writerow([row["k"], *(_cell(v) for v in row["x"]), _cell(row["f"]),
                         _cell(row["grad_norm"]), _cell(row["step"])])
