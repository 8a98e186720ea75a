"""A descent run for people: a header, the iteration table, and the status in words."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich.console import Group, RenderableType
from rich.text import Text

from gradcli.engine.result import Result, Status
from gradcli.render.console import output_width
from gradcli.render.fitted import Column, Num, dropped_note, fitted_table
from gradcli.render.numbers import fmt, fmt_long, fmt_vector

HEAD_ROWS = 10
TAIL_ROWS = 10

STATUS_STYLE = {
    Status.converged: "bold green",
    Status.max_steps: "bold yellow",
    Status.stationary: "bold yellow",
    Status.diverged: "bold red",
    Status.domain_error: "bold red",
    Status.interrupted: "bold magenta",
    Status.unbounded: "bold red",
    Status.flat: "bold yellow",
}


def _setting(key: str, value) -> str:
    words = key.replace("_", " ")
    if isinstance(value, bool):
        return words
    return f"{words} {fmt(value) if isinstance(value, float | int) else value}"


def settings_text(params) -> str:
    """`lr 0.1, momentum 0.9, line search` for a run's parameters."""
    return ", ".join(_setting(key, value) for key, value in params.items())


def point_text(names: Sequence[str], values: Sequence[float]) -> str:
    """`x = 1` for one variable, `(x, y) = (1, 2)` for more."""
    if len(names) == 1:
        return f"{names[0]} = {fmt(values[0])}"
    return f"({', '.join(names)}) = {fmt_vector(values)}"


def start_text(result: Result) -> str:
    """Where a run started: every variable, or a vector run's point abbreviated, with n."""
    if result.shape is None:
        return point_text(result.variables, result.start)
    return f"x = {fmt_long(result.start)}, n = {result.shape.dim}"


def header(result: Result, function_text: str, formula: str) -> Text:
    names = ", ".join(result.variables)
    rates = settings_text(result.params)
    named = f"{result.name}: " if result.name else ""
    return Text.assemble(
        (f"{result.method}", "bold"), f" ({formula}) on {named}f({names}) = {function_text}\n",
        f"from {start_text(result)} with {rates}",
    )


def shown_rows(k: np.ndarray, every: int | None, show_all: bool) -> list[int | None]:
    """Indices of history rows to show; None marks an ellipsis row.

    All rows with --all; every K-th step (and the last) with --every K; otherwise the first and
    last rows around an ellipsis when the run is long.
    """
    count = len(k)
    if show_all:
        return list(range(count))
    if every is not None:
        return [i for i in range(count) if k[i] % every == 0 or i == count - 1]
    if count <= HEAD_ROWS + TAIL_ROWS + 1:
        return list(range(count))
    return [*range(HEAD_ROWS), None, *range(count - TAIL_ROWS, count)]


def iteration_table(result: Result, every: int | None = None, show_all: bool = False,
                    width: int | None = None) -> tuple[Group, list[str]]:
    """MATLAB-style iterative display: k, the point (a vector run: its summary), f(x), ‖∇f‖
    and the step length; fitted to `width` (numbers shortened, then columns left out, whose
    names are returned)."""
    history = result.history
    columns = [Column("k", keep=True), *(Column(name, rank=2) for name in result.columns),
               Column("f(x)", rank=3), Column("‖∇f‖", rank=3), Column("step", rank=1),
               *(Column(name) for name in history.columns)]
    # each History column slices the batch's record: take them once, not once per row
    ks, xs, fs, norms, moved = history.k, history.x, history.f, history.grad_norm, history.step
    rates, marks = history.rate, history.marked
    rows = []
    for index in shown_rows(ks, every, show_all):
        if index is None:
            rows.append(["⋮", *[""] * (len(columns) - 1)])
            continue
        k = int(ks[index])
        rows.append([
            str(k),
            *(Num(float(v)) for v in xs[index]),
            Num(float(fs[index])),
            Num(float(norms[index]), "e", 4),
            "" if k == 0 else Num(float(moved[index]), "e", 4),
            *(_extra(column, k, rates[index], marks[index]) for column in history.columns),
        ])
    return fitted_table(columns, rows, width or output_width())


def _extra(column: str, k: int, rate: float, marked: bool) -> str | Num:
    if k == 0:
        return ""
    if column == "lr":
        return Num(float(rate), "g", 6)
    return "yes" if marked else ""


def skipped_note(result: Result, every: int | None, show_all: bool) -> Text | None:
    """Say how much of the run the table leaves out, and how to see more."""
    history = result.history
    rows = shown_rows(history.k, every, show_all)
    recorded = len(history.k)
    hidden = recorded - sum(1 for row in rows if row is not None)
    thinned = recorded < result.iterations + 1
    if not hidden and not thinned:
        return None
    parts = []
    if thinned:
        parts.append(f"{recorded} of {result.iterations + 1} steps recorded (--record-every K "
                     "to choose)")
    if hidden:
        parts.append(f"{hidden} recorded rows not shown (--all or --every K to see them)")
    return Text("; ".join(parts) + ".", style="dim")


def status_line(result: Result) -> Text:
    return Text(result.message, style=STATUS_STYLE[result.status])


def descent_view(result: Result, function_text: str, formula: str, show_table: bool,
                 every: int | None, show_all: bool) -> RenderableType:
    parts: list[RenderableType] = [header(result, function_text, formula), Text("")]
    if show_table:
        table, dropped = iteration_table(result, every, show_all)
        parts += table.renderables
        for note in (dropped_note(dropped), skipped_note(result, every, show_all)):
            if note is not None:
                parts.append(note)
        parts.append(Text(""))
    parts.append(status_line(result))
    point = fmt_vector(result.x) if result.shape is None else fmt_long(result.x)
    parts.append(Text(f"x = {point}   f(x) = {fmt(result.f)}   ‖∇f(x)‖ = {result.grad_norm:.3e}"))
    return Group(*parts)
