"""`compare` and `sweep` for people (summary tables) and programs (dicts)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from rich.console import Group, RenderableType
from rich.text import Text

from gradcli.engine.result import Result, Status
from gradcli.explore.comparisons import Best
from gradcli.render.console import output_width
from gradcli.render.descent import STATUS_STYLE, start_text
from gradcli.render.fitted import Column, Num, dropped_note, fitted_table
from gradcli.render.numbers import fmt, fmt_bound


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
    return [Text(f"{fmt_bound(bound, 6)} = 2/λmax", style="bold"), Text(where, style="bold"),
            *[""] * 4]


def sweep_view(results: Sequence[Result], verdicts: Sequence[str], bounds: dict[str, float | None],
               function_text: str, best: Best) -> RenderableType:
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
                 Text(_lesson(bounds, best), style="dim"))


def _bound_marks(bounds: dict[str, float | None]) -> list[tuple[float, str]]:
    start, end = bounds.get("start"), bounds.get("end")
    if start is not None and end is not None and np.isclose(start, end, rtol=1e-6):
        return [(start, "(start and end)")]
    marks = [(start, "(at the start)"), (end, "(at the end)")]
    return sorted((bound, where) for bound, where in marks if bound is not None)


def _lesson(bounds: dict[str, float | None], best: Best) -> str:
    """What the sweep showed: the fastest rate found, and for a quadratic the best fixed rate
    in theory (never 'just below the bound': the fastest rate is usually well inside it)."""
    if bounds.get("end") is None and bounds.get("start") is None:
        sentences = ["No positive curvature at the start or the end, so no stability bound "
                     "applies."]
    else:
        sentences = ["Below 2/λmax descent can settle (slowly when η is small); above it the "
                     "steps overshoot and grow."]
    if best.fastest is not None:
        steps = f"{best.steps} step{'s' if best.steps != 1 else ''}"
        sentences.append(f"The fastest rate in this sweep was η = {fmt(best.fastest, 6)} "
                         f"({steps} to tolerance).")
    else:
        sentences.append("No rate in this sweep converged within --steps.")
    if best.optimal is not None:
        effect = ("one step reaches the minimum" if best.contraction == 0 else
                  f"each step multiplies the distance to the minimum by at most "
                  f"(κ − 1)/(κ + 1) = {fmt(best.contraction, 4)}")
        sentences.append(f"For this quadratic the best fixed rate is 2/(λmin + λmax) = "
                         f"{fmt(best.optimal, 6)}: {effect}.")
    return " ".join(sentences)


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
