"""Data for `fit`: CSV files (or stdin) and the small real data sets shipped in `data/`.

A table is read whole as text, then columns are asked for as numbers (features, a numeric
target) or as labels (a class column); every complaint names the file, the row and the column.
"""

from __future__ import annotations

import csv
import io
import math
import os
import stat
import sys
import tomllib
from pathlib import Path
from typing import NamedTuple, TextIO

import numpy as np

from gradcli import interrupts
from gradcli.errors import InputError
from gradcli.symbolic.budget import outside_budget

SHIPPED = Path(__file__).parent / "data"
MAX_BYTES = 100 * 1024 * 1024
MAX_CELLS = 5_000_000  # held as Python strings (about 60 bytes each): 300 MB at most
MAX_CLASSES = 1000


class Card(NamedTuple):
    name: str
    title: str
    source: str
    licence: str
    description: str
    target: str
    command: str
    columns: dict[str, str]
    rows: int


class Table(NamedTuple):
    where: str  # the file, "stdin" or the data set's name, for messages
    header: tuple[str, ...]
    rows: list[list[str]]

    def column(self, name: str) -> int:
        if name not in self.header:
            raise InputError(f"{self.where} has no column '{name}'; its columns are "
                             f"{', '.join(self.header)}.")
        return self.header.index(name)

    def numbers(self, name: str, rows: np.ndarray | None = None) -> np.ndarray:
        """A column as float64; a cell that is empty, not a number, NaN or inf is refused."""
        index = self.column(name)
        values = np.empty(len(self.rows))
        for number, row in enumerate(self.rows):
            cell = row[index].strip()
            try:
                value = float(cell)
            except ValueError:
                value = math.nan
            if not math.isfinite(value):
                what = "is empty" if not cell else f"'{quoted(cell)}' is not a finite number"
                raise InputError(f"{self.where} row {number + 2}, column '{name}': {what}; "
                                 "features and numeric targets need numbers in every row.")
            values[number] = value
        return values

    def labels(self, name: str) -> tuple[list[str], np.ndarray]:
        """A class column: its classes (sorted) and each row's class index."""
        index = self.column(name)
        cells = [row[index].strip() for row in self.rows]
        for number, cell in enumerate(cells):
            if not cell:
                raise InputError(f"{self.where} row {number + 2}, column '{name}': the label "
                                 "is empty.")
        classes = sorted(set(cells), key=_label_key)
        if len(classes) > MAX_CLASSES:
            raise InputError(f"{self.where} column '{name}' has {len(classes)} distinct "
                             f"values; a class column may have at most {MAX_CLASSES}.")
        position = {label: k for k, label in enumerate(classes)}
        return classes, np.array([position[cell] for cell in cells])


def quoted(cell: str) -> str:
    """A cell in a one-line message: its first 20 characters, line breaks written as \\n."""
    return cell[:20].replace("\r", "\\r").replace("\n", "\\n")


def _label_key(label: str):
    """Numbers in numeric order, then words (NaN and inf among the words: a NaN key would
    leave the order undefined)."""
    try:
        value = float(label)
    except ValueError:
        value = math.nan
    return (0, value, label) if math.isfinite(value) else (1, 0.0, label)


def cards() -> list[Card]:
    return [card(path.stem) for path in sorted(SHIPPED.glob("*.toml"))]


def card(name: str) -> Card:
    path = SHIPPED / f"{name}.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    with open(SHIPPED / f"{name}.csv", encoding="utf-8") as handle:
        rows = sum(1 for _ in handle) - 1
    return Card(name, data["title"], data["source"], data["licence"], data["description"],
                data["target"], data["command"], dict(data["columns"]), rows)


def shipped_names() -> list[str]:
    return sorted(path.stem for path in SHIPPED.glob("*.csv"))


@outside_budget  # reading data is bounded by its size, not by an expression
def read_table(source: str) -> Table:
    """A shipped data set by name, `-` (stdin), or a CSV file with a header row."""
    if source in shipped_names():
        if os.path.exists(source):
            sys.stderr.write(f"note: '{source}' is the shipped data set; for the file of that "
                             f"name write ./{source}.\n")
        return _parse((SHIPPED / f"{source}.csv").read_text(encoding="utf-8"), source)
    if source == "-":
        with interrupts.raising():  # a read that waits on a terminal must end at Ctrl-C
            text = sys.stdin.read(MAX_BYTES + 1) if sys.stdin is not None else ""
        if len(text) > MAX_BYTES:
            raise InputError(f"stdin holds more than {MAX_BYTES} bytes of data; the limit is "
                             f"{MAX_BYTES}.")
        return _parse(text, "stdin")
    try:
        info = os.stat(source)
    except OSError:
        known = ", ".join(shipped_names())
        raise InputError(f"--data '{source}' is neither a readable file nor a shipped data set "
                         f"({known}); see gradcli data.") from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"--data '{source}' is not a regular file.")
    if info.st_size > MAX_BYTES:
        raise InputError(f"--data '{source}' is {info.st_size} bytes; the limit is {MAX_BYTES}.")
    try:
        with open(source, encoding="utf-8-sig", newline="") as handle:
            return _parse(handle, source)
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"--data '{source}' cannot be read ({error}).") from None


def _parse(text: str | TextIO, where: str) -> Table:
    """Rows streamed from the text, checked as they come: the cell limit stops a large file
    before its rows are held."""
    lines = io.StringIO(text.removeprefix("\ufeff")) if isinstance(text, str) else text
    reader = csv.reader(lines)  # the byte-order mark Excel writes is no part of a name
    header: tuple[str, ...] | None = None
    body: list[list[str]] = []
    cells = 0
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = tuple(cell.strip() for cell in row)
                if len(set(header)) != len(header) or not all(header):
                    raise InputError(f"{where}: the header row needs distinct, non-empty column "
                                     "names.")
                continue
            if len(row) != len(header):
                raise InputError(f"{where} row {len(body) + 2} has {len(row)} cells but the "
                                 f"header has {len(header)}; every row needs one cell per "
                                 "column.")
            cells += len(row)
            if cells > MAX_CELLS:
                raise InputError(f"{where} has more than {MAX_CELLS} cells; the limit is "
                                 f"{MAX_CELLS}.")
            body.append(row)
    except csv.Error as error:
        raise InputError(f"{where} line {reader.line_num} is not valid CSV ({error}).") from None
    if header is None:
        raise InputError(f"{where} is empty; give a CSV file with a header row and data rows.")
    if not body:
        raise InputError(f"{where} has a header but no data rows.")
    return Table(where, header, body)
