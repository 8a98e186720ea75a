"""The function library for people (tables) and programs (dicts)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from gradcli.library import LibraryFunction, Point
from gradcli.render.maths import compact_text
from gradcli.render.numbers import fmt, fmt_bound, fmt_vector


def one_line(note: str) -> str:
    return note.split(": ")[0].split(". ")[0].rstrip(".")


def listing(functions: Sequence[LibraryFunction]) -> Table:
    """One row per function, its formula as the file writes it."""
    table = Table(box=None, header_style="bold", pad_edge=False, padding=(0, 2, 0, 0))
    table.add_column("name", no_wrap=True, style="cyan")
    table.add_column("f", overflow="fold")
    table.add_column("minima", justify="right", no_wrap=True)
    table.add_column("why it is interesting", overflow="fold")
    for function in functions:
        count = len(function.minima) + (function.minimum is not None)
        table.add_row(function.name, compact_text(function.expression), str(count),
                      one_line(function.note))
    return table


def _points(points: Sequence[Point], with_kind: bool) -> Table:
    table = Table(box=None, show_header=False, pad_edge=False, padding=(0, 2, 0, 2))
    if with_kind:
        table.add_column(no_wrap=True)
    table.add_column(overflow="fold")
    for point in points:
        where = f"f{fmt_vector(point.point)} = {fmt(point.value)}"
        table.add_row(*((point.kind, where) if with_kind else (where,)))
    return table


def suggested_command(function: LibraryFunction) -> str:
    return f"gradcli descend {function.name}"


def _vector_rows(function: LibraryFunction) -> list[Text]:
    """The dimension rule: what n is, and where each coordinate starts and ends up."""
    vectors = ", ".join(f"{v}[1..n]" for v in function.variables)
    low, high = function.domain[0]
    rows = [Text(f"dimension    n = {function.dim} by default; any n ≥ 1 with --dim N "
                 f"(coordinates {vectors})"),
            Text(f"domain       [{fmt(low)}, {fmt(high)}] in every coordinate"),
            Text(f"start        {fmt_vector(function.start)} repeated to length n"),
            Text(f"lr           {fmt(function.lr)}"), Text("")]
    if function.minimum is None:
        return [*rows, Text("global minimum: not known in closed form", style="bold")]
    point, value = function.minimum
    return [*rows, Text("global minimum, for every n", style="bold"),
            Text(f"  x[i] = {compact_text(point)}   f = {compact_text(value)}")]


def details(function: LibraryFunction, pretty: str) -> RenderableType:
    if function.dim is not None:
        vectors = ", ".join(f"{v}[1..n]" for v in function.variables)
        return Group(Text(f"{function.name}: {function.title}", style="bold"), Text(""),
                     Text(f"f({vectors}) ="), Text(pretty), Text(""), *_vector_rows(function),
                     Text(""), Text(function.note),
                     Text(f"source: {function.source}", style="dim"), Text(""),
                     Text(f"try:  {suggested_command(function)}"))
    names = ", ".join(function.variables)
    domain = " × ".join(f"[{fmt(low)}, {fmt(high)}]" for low, high in function.domain)
    rows = [
        Text(f"{function.name}: {function.title}", style="bold"),
        Text(""),
        Text(f"f({names}) ="),
        Text(pretty),
        Text(""),
        Text(f"domain       {domain}"),
        Text(f"start        ({names}) = {fmt_vector(function.start)}"),
        Text(f"lr           {fmt(function.lr)}"
             + (f"   (2/λmax = {fmt_bound(function.stability_bound, 6)} at the global minimum)"
                if function.stability_bound else "")),
        Text(""),
        Text("global minima" if function.minima else "global minima: none (f is unbounded below)",
             style="bold"),
    ]
    if function.minima:
        rows.append(_points(function.minima, with_kind=False))
    if function.points:
        rows += [Text("other critical points", style="bold"),
                 _points(function.points, with_kind=True)]
    rows += [
        Text(""),
        Text(function.note),
        Text(f"source: {function.source}", style="dim"),
        Text(""),
        Text(f"try:  {suggested_command(function)}"),
    ]
    return Group(*rows)


def _point(point: Point) -> dict[str, Any]:
    return {"kind": point.kind, "point": list(point.point), "value": point.value}


def as_dict(function: LibraryFunction) -> dict[str, Any]:
    vector = {} if function.dim is None else {
        "dim": function.dim,
        "minimum_rule": None if function.minimum is None else
        {"point": function.minimum[0], "value": function.minimum[1]}}
    return {
        **vector,
        "name": function.name,
        "title": function.title,
        "expression": function.expression,
        "variables": list(function.variables),
        "start": list(function.start),
        "lr": function.lr,
        "domain": [list(pair) for pair in function.domain],
        "minima": [_point(p) for p in function.minima],
        "points": [_point(p) for p in function.points],
        "stability_bound": function.stability_bound,
        "smooth": function.smooth,
        "note": function.note,
        "source": function.source,
        "command": suggested_command(function),
    }
