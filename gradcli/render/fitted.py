"""Tables that fit the width they are printed at, and never split a number or a header.

Numbers are kept as numbers (`Num`) until the width is known: when the natural table is too
wide, every number is written with fewer significant digits (down to MIN_DIGITS), then columns
are dropped from the right (never those marked `keep`) and the caller says which. Each column
is then exactly as wide as its widest cell, so nothing wraps.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from rich.cells import cell_len
from rich.console import Group
from rich.table import Table
from rich.text import Text

from gradcli.render.numbers import fmt

LEVELS = (10, 8, 6, 5, 4)  # significant digits tried in turn
PADDING = 2


class Num(NamedTuple):
    """A number in a table: `kind` g (general), e (scientific) or v (a vector of numbers);
    `digits` its significant digits at full width."""

    value: object
    kind: str = "g"
    digits: int = 10


def _text(cell, level: int) -> str | Text:
    if not isinstance(cell, Num):
        return "" if cell is None else cell
    digits = min(cell.digits, level)
    if cell.kind == "e":
        if cell.value is None:
            return "—"
        return f"{cell.value:.{max(0, digits - 1)}e}"
    if cell.kind == "v":
        return "(" + ", ".join(fmt(v, digits) for v in cell.value) + ")"
    return fmt(cell.value, digits)


def _width(cell: str | Text) -> int:
    return cell.cell_len if isinstance(cell, Text) else cell_len(cell)


class Column(NamedTuple):
    header: str
    justify: str = "right"
    keep: bool = False  # never dropped
    rank: int = 0  # columns of lower rank are dropped first (among equals, the rightmost)


def fitted_table(columns: Sequence[Column], rows: Sequence[Sequence], width: int
                 ) -> tuple[Group, list[str]]:
    """The table at the widest precision that fits `width`; columns that still do not fit are
    left out (their headers are returned so the caller can say so)."""
    shown = list(range(len(columns)))
    empty = [i for i in shown if not columns[i].keep and all(
        not _text(row[i], LEVELS[0]) for row in rows)]
    if empty and not _fits(columns, rows, shown, LEVELS[0], width):
        shown = [i for i in shown if i not in empty]  # nothing to show there anyway
    while True:
        for level in LEVELS:
            cells = [[_text(row[i], level) for i in shown] for row in rows]
            widths = [max([cell_len(columns[i].header)] + [_width(r[j]) for r in cells])
                      for j, i in enumerate(shown)]
            if sum(widths) + PADDING * (len(shown) - 1) <= width:
                return _build(columns, shown, cells, widths), \
                    [columns[i].header for i in range(len(columns)) if i not in shown]
        droppable = [i for i in shown if not columns[i].keep]
        if not droppable:  # even the kept columns are too wide side by side: one per line
            return _vertical(columns, shown, cells), \
                [columns[i].header for i in range(len(columns)) if i not in shown]
        shown.remove(min(droppable, key=lambda i: (columns[i].rank, -i)))


CHUNK = 200  # rows per part of a long table, written as soon as it is drawn


def _fits(columns, rows, shown, level: int, width: int) -> bool:
    widths = [max([cell_len(columns[i].header)] + [_width(_text(row[i], level)) for row in rows])
              for i in shown]
    return sum(widths) + PADDING * (len(shown) - 1) <= width


def _build(columns, shown, cells, widths) -> Group:
    """The table as parts of at most CHUNK rows with the same column widths (one header)."""
    parts = []
    for start in range(0, max(1, len(cells)), CHUNK):
        table = Table(box=None, header_style="bold", pad_edge=False,
                      padding=(0, PADDING, 0, 0), show_header=start == 0)
        for j, i in enumerate(shown):
            table.add_column(columns[i].header, justify=columns[i].justify, no_wrap=True,
                             min_width=widths[j], max_width=widths[j])
        for row in cells[start:start + CHUNK]:
            table.add_row(*row)
        parts.append(table)
    return Group(*parts)


def _vertical(columns, shown, cells) -> Group:
    """Each row as lines `header: value` under its first cell (for the narrowest widths)."""
    parts = []
    for row in cells:
        parts.append(Text.assemble((str(row[0]), "bold")))
        for j, i in enumerate(shown[1:], start=1):
            if str(row[j]):
                parts.append(Text.assemble(f"  {columns[i].header}: ", row[j]))
    return Group(*parts)


def dropped_note(dropped: Sequence[str]) -> Text | None:
    if not dropped:
        return None
    return Text(f"not shown at this width: {', '.join(dropped)} (widen the terminal, or use "
                "--json).", style="dim")
