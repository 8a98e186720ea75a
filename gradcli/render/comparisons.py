"""`compare` and `sweep` for people (summary tables) and programs (dicts)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from rich.console import Group, RenderableType
from rich.text import Text

from gradcli.engine.result import Result, Status
from gradcli.render.console import output_width
from gradcli.render.descent import STATUS_STYLE, start_text
from gradcli.render.fitted import Column, Num, dropped_note, fitted_table
from gradcli.render.numbers import fmt


def _steps_to_tolerance(result: Result) -> str:
    return str(result.iterations) if result.status is Status.converged else "—"


def _heading(results: Sequence[Result], function_text: str, what: str) -> Text:
    first = results[0]
    named = f"{first.name}: " if first.name else ""
    return Text.assemble((what, "bold"), f" on {named}f({', '.join(first.variables)}) = "
                                         f"{function_text}\nfrom {start_text(first)}")


def compare_view(labels: Sequence[str], results: Sequence[Result],
                 function_text: str) -> RenderableType:
    columns = [Column("method", "left", keep=True), Column("lr", rank=1),
               Column("status", "left", rank=3), Column("steps to tol", rank=2),
               Column("f(x)", rank=3), Column("‖∇f‖", rank=2), Column("evaluations")]
    rows = [[label, Num(result.params["lr"], "g", 6),
             Text(str(result.status), style=STATUS_STYLE[result.status]),
             _steps_to_tolerance(result), Num(result.f), Num(result.grad_norm, "e", 4),
             str(result.evaluations)] for label, result in zip(labels, results, strict=True)]
    table, dropped = fitted_table(columns, rows, output_width())
    notes = [Text(f"{label}: {result.message}", style=STATUS_STYLE[result.status])
             for label, result in zip(labels, results, strict=True)]
    return Group(_heading(results, function_text, "compare"), Text(""), *table.renderables,
                 *_optional(dropped_note(dropped)), Text(""), *notes)


def _optional(note: Text | None) -> list[Text]:
    return [] if note is None else [note]


def compare_json(labels: Sequence[str], results: Sequence[Result]) -> dict[str, Any]:
    first = results[0]
    return {
        **({"name": first.name} if first.name else {}),
        "function": first.function,
        "variables": list(first.variables),
        "start": list(first.start),
        "results": [{"label": label, **result.to_dict()}
                    for label, result in zip(labels, results, strict=True)],
    }


def _bound_row(bound: float, where: str) -> list:
    """A marker row: the bound in the lr column, where it holds in the next."""
    return [Text(f"{fmt(bound, 6)} = 2/λmax", style="bold"), Text(where, style="bold"),
            *[""] * 4]


def sweep_view(results: Sequence[Result], verdicts: Sequence[str], bounds: dict[str, float | None],
               function_text: str) -> RenderableType:
    """One row per learning rate, with the stability bounds marked where they fall."""
    columns = [Column("lr", "left", keep=True), Column("verdict", "left", rank=3),
               Column("status", "left", rank=1), Column("steps to tol", rank=2),
               Column("f(x)", rank=2), Column("‖∇f‖", rank=1)]
    rows = []
    marks = _bound_marks(bounds)
    for result, verdict in zip(results, verdicts, strict=True):
        lr = result.params["lr"]
        while marks and lr > marks[0][0]:
            rows.append(_bound_row(*marks.pop(0)))
        rows.append([Num(lr, "g", 6), verdict,
                     Text(str(result.status), style=STATUS_STYLE[result.status]),
                     _steps_to_tolerance(result), Num(result.f), Num(result.grad_norm, "e", 4)])
    rows += [_bound_row(*mark) for mark in marks]
    table, dropped = fitted_table(columns, rows, output_width())
    method = results[0].method
    return Group(_heading(results, function_text, f"sweep of {method}"), Text(""),
                 *table.renderables, *_optional(dropped_note(dropped)), Text(""),
                 Text(_lesson(bounds), style="dim"))


def _bound_marks(bounds: dict[str, float | None]) -> list[tuple[float, str]]:
    start, end = bounds.get("start"), bounds.get("end")
    if start is not None and end is not None and np.isclose(start, end, rtol=1e-6):
        return [(start, "(start and end)")]
    marks = [(start, "(at the start)"), (end, "(at the end)")]
    return sorted((bound, where) for bound, where in marks if bound is not None)


def _lesson(bounds: dict[str, float | None]) -> str:
    if bounds.get("end") is None and bounds.get("start") is None:
        return "No positive curvature at the start or the end, so no stability bound applies."
    return ("Below 2/λmax descent settles, slowly when η is small; above it the steps overshoot "
            "and grow. The best η is just below the bound.")


def sweep_json(results: Sequence[Result], verdicts: Sequence[str],
               bounds: dict[str, float | None]) -> dict[str, Any]:
    first = results[0]
    return {
        **({"name": first.name} if first.name else {}),
        "function": first.function,
        "variables": list(first.variables),
        "start": list(first.start),
        "method": first.method,
        "stability_bound": dict(bounds),
        "results": [{"lr": result.params["lr"], "verdict": verdict, **result.to_dict()}
                    for result, verdict in zip(results, verdicts, strict=True)],
    }
