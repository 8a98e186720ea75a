"""Critical points, Taylor models and basins for people (tables) and programs (dicts)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from gradcli.explore.critical_points import Search
from gradcli.explore.multistart import Basins
from gradcli.explore.taylor import Model, StepCheck
from gradcli.render.console import output_width
from gradcli.render.derivatives import pairs
from gradcli.render.fitted import Column, Num, dropped_note, fitted_table
from gradcli.render.maths import MathFormat, show
from gradcli.render.numbers import fmt, fmt_vector

PLURALS = {"minimum": "minima", "maximum": "maxima", "saddle": "saddles",
           "degenerate": "degenerate points"}
SYMBOLIC_NOTE = {
    "complete": "SymPy solved ∇f = 0 exactly; a numeric search of the box found the rest (if any)",
    "timeout": "SymPy's solver ran out of its time; found numerically (multi-start Newton)",
    "failed": "SymPy could not solve ∇f = 0; found numerically (multi-start Newton)",
    "skipped": "found numerically (multi-start Newton on ∇f = 0)",
}


def _box_text(box) -> str:
    return " × ".join(f"[{fmt(low)}, {fmt(high)}]" for low, high in box)


def critical_view(search: Search, names: Sequence[str], heading: str) -> RenderableType:
    columns = [Column("kind", "left", keep=True), Column("point", "left", keep=True),
               Column("f", rank=2), Column("eigenvalues of H", rank=1), Column("exact", "left")]
    rows = [[point.kind, Num(point.x, "v"), Num(point.f), Num(point.eigenvalues, "v", 6),
             ", ".join(point.exact) if point.exact else ""] for point in search.points]
    table, dropped = fitted_table(columns, rows, output_width())
    counts = {}
    for point in search.points:
        counts[point.kind] = counts.get(point.kind, 0) + 1
    summary = ", ".join(f"{count} {PLURALS[kind] if count > 1 else kind}"
                        for kind, count in counts.items()) or "none"
    return Group(
        Text(heading, style="bold"),
        Text(f"critical points (∇f = 0) of f({', '.join(names)}) in {_box_text(search.box)}: "
             f"{len(search.points)} ({summary})"),
        Text(SYMBOLIC_NOTE[search.symbolic], style="dim"),
        *[Text(f"non-isolated: every point with {family} is critical (shown once here, "
               "not as points)") for family in search.families],
        *([Text(f"may be incomplete: {search.incomplete}.")] if search.incomplete else []),
        Text(""),
        *table.renderables,
        *([] if dropped_note(dropped) is None else [dropped_note(dropped)]),
    )


def critical_json(search: Search, names: Sequence[str], function: str,
                  name: str | None) -> dict[str, Any]:
    return {
        **({"name": name} if name else {}),
        "function": function,
        "variables": list(names),
        "box": [list(pair) for pair in search.box],
        "symbolic": search.symbolic,
        "families": list(search.families),
        "complete": search.incomplete is None,
        **({"incomplete": search.incomplete} if search.incomplete else {}),
        "points": [{"x": list(p.x), "f": p.f, "kind": p.kind, "eigenvalues": list(p.eigenvalues),
                    "exact": list(p.exact) if p.exact else None} for p in search.points],
    }


def taylor_view(model: Model, checks: Sequence[StepCheck], order: int, names: Sequence[str],
                point, style: MathFormat, heading: str) -> RenderableType:
    joined = ", ".join(names)
    parts: list[RenderableType] = [
        Text(heading, style="bold"),
        Text(f"at ({joined}) = {fmt_vector(float(p) for p in point)}, with h = "
             f"({', '.join(str(d) for d in model.displacement)}):"),
        Text(""),
        pairs([("first order   f(P + h) ≈", show(model.linear, style))]
              + ([("second order  f(P + h) ≈", show(model.quadratic, style))] if order == 2
                 else [])),
    ]
    if checks:
        columns = [Column("‖h‖", keep=True), Column("f(P + h)", rank=1), Column("linear"),
                   Column("error", rank=2), Column("error/‖h‖²", rank=2)]
        if order == 2:
            columns += [Column("quadratic"), Column("error", rank=2),
                        Column("error/‖h‖³", rank=2)]
        rows = []
        for c in checks:
            row = [Num(c.norm, "g", 6), Num(c.true), Num(c.linear), Num(c.linear_error, "e", 4),
                   Num(c.linear_ratio, "g", 4)]
            if order == 2:
                row += [Num(c.quadratic), Num(c.quadratic_error, "e", 4),
                        Num(c.quadratic_ratio, "g", 4)]
            rows.append(row)
        table, dropped = fitted_table(columns, rows, output_width())
        note = dropped_note(dropped)
        parts += [Text(""), *table.renderables, *([] if note is None else [note]), Text(""),
                  Text(_error_lesson(order), style="dim")]
    return Group(*parts)


def _error_lesson(order: int) -> str:
    if order == 1:
        return ("The first-order error shrinks like ‖h‖² (for a smooth f): the ratio column "
                "settles to a constant as h shrinks.")
    return ("The first-order error shrinks like ‖h‖² and the second-order like ‖h‖³ (for a "
            "smooth f): the ratio columns settle to constants as h shrinks.")


def taylor_json(model: Model, checks: Sequence[StepCheck], order: int, names: Sequence[str],
                point, function: str, name: str | None) -> dict[str, Any]:
    from gradcli.symbolic.printing import plain

    payload: dict[str, Any] = {
        **({"name": name} if name else {}),
        "function": function,
        "variables": list(names),
        "point": [float(p) for p in point],
        "order": order,
        "displacement": [str(d) for d in model.displacement],
        "value": float(model.value),
        "gradient_value": [float(g) for g in model.gradient],
        "linear": plain(model.linear),
    }
    if order == 2:
        payload["hessian_value"] = [[float(e) for e in row] for row in model.hessian]
        payload["quadratic"] = plain(model.quadratic)
    payload["steps"] = [
        {"h": list(c.h), "norm": c.norm, "f": c.true, "linear": c.linear,
         "linear_error": c.linear_error,
         **({"quadratic": c.quadratic, "quadratic_error": c.quadratic_error} if order == 2
            else {})}
        for c in checks
    ]
    return payload


def basins_view(found: Basins, spec: str, count: int, box, heading: str,
                settings: str) -> RenderableType:
    columns = [Column("basin", keep=True), Column("end point", "left", keep=True),
               Column("f", rank=2), Column("kind", "left", rank=2), Column("known", "left"),
               Column("starts", rank=1), Column("share", rank=3)]
    rows = [[basin.label, Num(basin.x, "v"), Num(basin.f), basin.kind, basin.known,
             str(basin.count), f"{100 * basin.count / count:.1f}%"] for basin in found.basins]
    table, dropped = fitted_table(columns, rows, output_width())
    statuses = ", ".join(f"{status} {number}" for status, number in sorted(found.statuses.items()))
    return Group(
        Text(heading, style="bold"),
        Text(f"{count} starts ({spec}) in {_box_text(box)}, {settings}"),
        Text(f"how the runs ended: {statuses}"),
        Text(""),
        *table.renderables,
        *([] if dropped_note(dropped) is None else [dropped_note(dropped)]),
    )


def basins_json(found: Basins, outcomes, spec: str, box, head: dict[str, Any]) -> dict[str, Any]:
    labels = [basin.label for basin in found.basins]
    return {
        **head,
        "starts": spec,
        "box": [list(pair) for pair in box],
        "basins": [basin._asdict() | {"x": list(basin.x)} for basin in found.basins],
        "statuses": found.statuses,
        "runs": ({"start": start.tolist(), "x": x.tolist(), "status": str(status),
                  "basin": labels[index] if index >= 0 else None}
                 for start, x, status, index in zip(outcomes.starts, outcomes.x,
                                                    outcomes.status, found.membership.tolist(),
                                                    strict=True)),  # written run by run
    }
