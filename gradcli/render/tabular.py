"""CSV for programs: one row per recorded step, a header naming every column."""

from __future__ import annotations

import csv
import math
from typing import TextIO

from gradcli.result import Result

RESERVED = {"k", "f", "grad_norm", "step"}


def _cell(value: float | None) -> str:
    return "" if value is None or not math.isfinite(value) else repr(float(value))


def write_csv(result: Result, stream: TextIO) -> None:
    """Columns k, one per variable (renamed x_NAME if it clashes), f, grad_norm, step."""
    names = [f"x_{name}" if name in RESERVED else name for name in result.variables]
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(["k", *names, "f", "grad_norm", "step"])
    for row in result.history.rows():
        writer.writerow([row["k"], *(_cell(v) for v in row["x"]), _cell(row["f"]),
                         _cell(row["grad_norm"]), _cell(row["step"])])
