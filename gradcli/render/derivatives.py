"""`grad`, `hessian` and `jacobian` results as Rich renderables (people) and dicts (programs)."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import sympy as sp
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from gradcli.explore.at_point import GradientAtPoint, HessianAtPoint, JacobianAtPoint
from gradcli.render.maths import MathFormat, show
from gradcli.render.numbers import fmt, fmt_bound, fmt_vector
from gradcli.symbolic.calculus import Value
from gradcli.symbolic.printing import plain

EXACT_WIDTH = 24


def _inline(expr: sp.Expr, style: MathFormat) -> str:
    """One-line exact form: pretty when it fits on a line, else plain."""
    if style is MathFormat.pretty:
        text = show(expr, style)
        return text if "\n" not in text else plain(expr)
    return show(expr, style)


def value_text(value: Value, style: MathFormat) -> str:
    """`5`, or `2⋅√5 ≈ 4.472135955` when the exact form is short and not a plain integer."""
    if value.exact.is_Integer:
        return str(value.exact)
    exact = _inline(value.exact, style)
    if len(exact) <= EXACT_WIDTH and not value.exact.is_Float:
        return f"{exact} ≈ {fmt(value.number)}"
    return fmt(value.number)


def _heading(text: str) -> Text:
    return Text(text, style="bold")


def pairs(rows: Sequence[tuple[str, RenderableType]]) -> Table:
    """Labels beside values (multi-line maths stays aligned)."""
    table = Table(box=None, show_header=False, padding=(0, 2, 0, 2), pad_edge=False)
    table.add_column(style="cyan", no_wrap=True)
    table.add_column(overflow="fold")
    for name, text in rows:
        table.add_row(name, text)
    return table


def _signature(names: Sequence[str]) -> str:
    return "f(" + ", ".join(names) + ")"


def _point_heading(names: Sequence[str], point) -> Text:
    joined = ", ".join(names)
    return _heading(f"at ({joined}) = {fmt_vector(float(p) for p in point)}")


def _function_header(function: sp.Expr, names: Sequence[str], style: MathFormat,
                     title: str | None = None) -> RenderableType:
    header = pairs([(_signature(names) + " =", show(function, style))])
    return Group(_heading(title), header) if title else header


def gradient_view(function: sp.Expr, names: Sequence[str], gradient: Sequence[sp.Expr],
                  at: GradientAtPoint | None, style: MathFormat,
                  title: str | None = None) -> RenderableType:
    parts: list[RenderableType] = [
        _function_header(function, names, style, title),
        Text(""),
        _heading("gradient ∇f"),
        pairs([(f"∂f/∂{name}", show(g, style)) for name, g in zip(names, gradient, strict=True)]),
    ]
    if at is not None:
        parts += [Text(""), _point_heading(names, at.point), pairs(_gradient_rows(at, style))]
    return Group(*parts)


def _gradient_rows(at: GradientAtPoint, style: MathFormat) -> list[tuple[str, str]]:
    rows = [
        ("f", value_text(at.value, style)),
        ("∇f", "(" + ", ".join(value_text(g, style) for g in at.gradient) + ")"),
        ("‖∇f‖", value_text(at.norm, style)),
    ]
    if at.ascent is None:
        rows.append(("direction", "none: ∇f = 0 here (a stationary point)"))
    else:
        rows.append(("steepest ascent", f"{fmt_vector(at.ascent)}  = ∇f/‖∇f‖"))
        rows.append(("steepest descent", f"{fmt_vector(-a for a in at.ascent)}  = −∇f/‖∇f‖"))
    if at.directional is not None:
        d = at.directional
        given = ", ".join(_exact_decimal(u) for u in d.given)
        rows.append(("D_u f", f"{value_text(d.derivative, style)}  along u = {fmt_vector(d.unit)}"
                              f" (U = ({given}) normalised)"))
    if at.check_error is not None:
        verdict = "agree" if at.check_error < 1e-5 else "DISAGREE"
        rows.append(("check", f"central finite differences {verdict}: largest relative error "
                              f"{at.check_error:.1e}"))
    return rows


def gradient_json(function: sp.Expr, names: Sequence[str], gradient: Sequence[sp.Expr],
                  at: GradientAtPoint | None) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "function": plain(function),
        "variables": list(names),
        "gradient": [plain(g) for g in gradient],
    }
    if at is not None:
        payload.update(
            point=[float(p) for p in at.point],
            value=at.value.number,
            gradient_value=[g.number for g in at.gradient],
            norm=at.norm.number,
            direction=list(at.ascent) if at.ascent else None,
            descent_direction=[-a for a in at.ascent] if at.ascent else None,
            exact={
                "value": plain(at.value.exact),
                "gradient_value": [plain(g.exact) for g in at.gradient],
                "norm": plain(at.norm.exact),
            },
        )
        if at.directional is not None:
            payload.update(
                dir=[float(u) for u in at.directional.given],
                unit_direction=list(at.directional.unit),
                directional_derivative=at.directional.derivative.number,
            )
        if at.check_error is not None:
            payload["check"] = {"max_relative_error": at.check_error}
    return payload


def _grid(rows: Sequence[Sequence[str]]) -> Table:
    table = Table(box=None, show_header=False, padding=(0, 1, 0, 1), pad_edge=False)
    for _ in rows[0]:
        table.add_column(justify="right", overflow="fold")
    for row in rows:
        table.add_row(*row)
    return table


def _matrix_text(rows: Sequence[Sequence[sp.Expr]], style: MathFormat) -> RenderableType:
    """Pretty and LaTeX matrices as SymPy draws them; one-line styles as an aligned grid."""
    if style in (MathFormat.pretty, MathFormat.latex):
        return show(sp.Matrix(rows), style)
    return _grid([[show(e, style) for e in row] for row in rows])


def _number_matrix(rows: Sequence[Sequence[Value]]) -> Table:
    return _grid([[fmt(v.number) for v in row] for row in rows])


def hessian_view(function: sp.Expr, names: Sequence[str], matrix, at: HessianAtPoint | None,
                 style: MathFormat, title: str | None = None) -> RenderableType:
    parts: list[RenderableType] = [
        _function_header(function, names, style, title),
        Text(""),
        _heading("Hessian H (rows and columns in the order " + ", ".join(names) + ")"),
        pairs([("H =", _matrix_text(matrix, style))]),
    ]
    if at is not None:
        c = at.curvature
        rows = [
            ("eigenvalues", fmt_vector(c.eigenvalues)),
            ("definiteness", f"{c.definiteness}  ({_meaning(c.definiteness)})"),
            ("condition number", fmt(c.condition_number)),
            ("GD stability", _stability_sentence(c)),
        ]
        parts += [Text(""), _point_heading(names, at.point),
                  pairs([("H =", _number_matrix(at.matrix)), *rows])]
    return Group(*parts)


def _stability_sentence(c) -> str:
    """What 2/λmax means here: a bound for settling at a minimum only where H is positive
    definite; elsewhere steps along the top eigenvector grow above it (descent never settles at
    a saddle or a maximum at any rate)."""
    if not c.stability_bound:
        return "no positive curvature here, so no learning-rate bound"
    bound = fmt_bound(c.stability_bound)
    if c.definiteness == "positive definite":
        return (f"2/λmax = {bound}: near here plain gradient descent settles only with a "
                "learning rate below it")
    return (f"2/λmax = {bound}: with a learning rate above it, steps along the most curved "
            "direction grow; H is indefinite, so along its negative-curvature direction "
            "descent moves away from here at any rate" if c.definiteness == "indefinite" else
            f"2/λmax = {bound}: with a learning rate above it, steps along the most curved "
            f"direction grow (H is {c.definiteness}: the second-derivative test alone cannot "
            "say whether a point here is a minimum)")


_MEANINGS = {
    "positive definite": "curves up in every direction: a minimum if ∇f = 0",
    "negative definite": "curves down in every direction: a maximum if ∇f = 0",
    "indefinite": "up in some directions, down in others: a saddle if ∇f = 0",
    "positive semidefinite": "flat in some direction: the second-derivative test is inconclusive",
    "negative semidefinite": "flat in some direction: the second-derivative test is inconclusive",
    "zero": "no curvature at all: the second-derivative test is inconclusive",
}


def _meaning(definiteness: str) -> str:
    return _MEANINGS[definiteness]


def _matrix_json(rows: Sequence[Sequence[sp.Expr]]) -> list[list[str]]:
    return [[plain(e) for e in row] for row in rows]


def hessian_json(function: sp.Expr, names: Sequence[str], matrix,
                 at: HessianAtPoint | None) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "function": plain(function),
        "variables": list(names),
        "hessian": _matrix_json(matrix),
    }
    if at is not None:
        c = at.curvature
        payload.update(
            point=[float(p) for p in at.point],
            hessian_value=[[v.number for v in row] for row in at.matrix],
            eigenvalues=list(c.eigenvalues),
            definiteness=c.definiteness,
            condition_number=c.condition_number,
            stability_bound=c.stability_bound,
        )
    return payload


def jacobian_view(components: Sequence[sp.Expr], names: Sequence[str], matrix,
                  at: JacobianAtPoint | None, style: MathFormat) -> RenderableType:
    signature = _signature(names)
    parts: list[RenderableType] = [
        pairs([(f"f{i + 1}{signature[1:]} =", show(c, style)) for i, c in enumerate(components)]),
        Text(""),
        _heading(f"Jacobian J ({len(components)}×{len(names)}: row i is ∇f_i, columns "
                 + ", ".join(names) + ")"),
        pairs([("J =", _matrix_text(matrix, style))]),
    ]
    if at is not None:
        values = "(" + ", ".join(value_text(v, style) for v in at.values) + ")"
        parts += [Text(""), _point_heading(names, at.point),
                  pairs([("f =", values), ("J =", _number_matrix(at.matrix))])]
    return Group(*parts)


def jacobian_json(components: Sequence[sp.Expr], names: Sequence[str], matrix,
                  at: JacobianAtPoint | None) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "function": ", ".join(plain(c) for c in components),
        "functions": [plain(c) for c in components],
        "variables": list(names),
        "jacobian": _matrix_json(matrix),
    }
    if at is not None:
        payload.update(
            point=[float(p) for p in at.point],
            value=[v.number for v in at.values],
            jacobian_value=[[v.number for v in row] for row in at.matrix],
        )
    return payload


def _exact_decimal(value: Fraction) -> str:
    """A typed number for people, also below the float range (1e-3000 is not 0)."""
    number = float(value)
    if number or not value:
        return f"{number:.10g}"
    return str(sp.Float(sp.Rational(value.numerator, value.denominator), 10))
