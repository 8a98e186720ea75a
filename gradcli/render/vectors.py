"""`grad` and `hessian` of a vector function for people (formulas by case, bands, numbers
summarised) and for programs (every entry)."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from gradcli.engine.indexed import VectorProblem
from gradcli.explore.vector_point import VectorCurvature, VectorGradientAt
from gradcli.render.derivatives import pairs
from gradcli.render.maths import MathFormat, show
from gradcli.render.numbers import fmt, fmt_bound, fmt_long
from gradcli.symbolic.indexed import bands, case_text, partial_cases, scalar_partial
from gradcli.symbolic.printing import plain


def _signature(problem: VectorProblem) -> str:
    return f"f({problem.function.order_text()})"


def _header(problem: VectorProblem, style: MathFormat, title: str | None) -> RenderableType:
    rows = pairs([(_signature(problem) + " =", show(problem.function.expression, style)),
                  ("n =", f"{problem.n}  (coordinates: {problem.function.order_text()})")])
    return Group(Text(title, style="bold"), rows) if title else rows


def _partials(problem: VectorProblem):
    """(label, formula) for every scalar, and (case, formula) for each vector's cases."""
    f = problem.function
    scalars = [(name, scalar_partial(f, name)) for name in f.scalars]
    vectors = [(v, partial_cases(f, v, problem.n)) for v in f.vectors]
    return scalars, vectors


def gradient_view(problem: VectorProblem, at: VectorGradientAt | None, style: MathFormat,
                  title: str | None) -> RenderableType:
    scalars, vectors = _partials(problem)
    rows = [(f"∂f/∂{name}", show(formula, style)) for name, formula in scalars]
    for vector, cases in vectors:
        for number, case in enumerate(cases):
            label = f"∂f/∂{vector}[j]" if number == 0 else ""
            rows.append((label, f"{case_text(case, problem.n)}:  {show(case.formula, style)}"))
    parts: list[RenderableType] = [_header(problem, style, title), Text(""),
                                   Text("gradient ∇f", style="bold"), pairs(rows)]
    if at is not None:
        parts += [Text(""), Text(f"at x = {fmt_long(at.point.tolist())}", style="bold"),
                  pairs(_value_rows(problem, at))]
    return Group(*parts)


def _value_rows(problem: VectorProblem, at: VectorGradientAt) -> list[tuple[str, str]]:
    rows = [("f", fmt(at.value)), ("∇f", fmt_long(at.gradient.tolist())),
            ("‖∇f‖", fmt(at.norm)),
            ("largest |∂f|", f"{fmt(float(at.gradient[at.largest]))} at "
                             f"{problem.names[at.largest]}")]
    if at.directional is not None:
        rows.append(("D_u f", f"{fmt(at.directional[1])}  along the unit vector u = U/‖U‖"))
    if at.check_error is not None:
        verdict = "agree" if at.check_error < 1e-5 else "DISAGREE"
        which = "every coordinate" if at.checked == problem.size else \
            f"{at.checked} sampled coordinates (the first, the last and {at.checked - 2} seeded)"
        rows.append(("check", f"central finite differences {verdict} on {which}: largest "
                              f"relative error {at.check_error:.1e}"))
    return rows


def gradient_json(problem: VectorProblem, at: VectorGradientAt | None) -> dict[str, Any]:
    scalars, vectors = _partials(problem)
    payload: dict[str, Any] = {
        "function": plain(problem.function.expression),
        "dim": problem.n,
        "variables": [*problem.function.scalars,
                      *(f"{v}[1..n]" for v in problem.function.vectors)],
        "gradient": {
            **{name: plain(formula) for name, formula in scalars},
            **{vector: [{"from": case.low, "to": case.high, "case": case_text(case, problem.n),
                         "formula": plain(case.formula)} for case in cases]
               for vector, cases in vectors},
        },
    }
    if at is not None:
        payload.update(point=at.point.tolist(), value=at.value,
                       gradient_value=at.gradient.tolist(), norm=at.norm,
                       largest={"coordinate": problem.names[at.largest],
                                "value": float(at.gradient[at.largest])})
        if at.directional is not None:
            payload.update(unit_direction=at.directional[0].tolist(),
                           directional_derivative=at.directional[1])
        if at.check_error is not None:
            payload["check"] = {"max_relative_error": at.check_error,
                                "coordinates": at.checked}
    return payload


def _couplings(problem: VectorProblem) -> list[str]:
    """Coordinates that meet every entry of a sum (scalars and fixed entries in a summand)."""
    found = []
    for term in problem.function.terms:
        for item in term.globals:
            name = item if isinstance(item, str) else f"{item.vector}[{item.index}]"
            if name not in found:
                found.append(name)
    return found


def hessian_view(problem: VectorProblem, at: VectorCurvature | None, style: MathFormat,
                 title: str | None) -> RenderableType:
    rows = [(f"H[{b.row}[j], {b.column}[j{b.offset:+d}]]" if b.offset else
             f"H[{b.row}[j], {b.column}[j]]", show(b.formula, style))
            for b in bands(problem.function)]
    offsets = ", ".join(f"{k:+d}" if k else "0" for k in sorted({b.offset for b in
                                                                   bands(problem.function)}))
    parts: list[RenderableType] = [
        _header(problem, style, title), Text(""),
        Text(f"Hessian: banded, non-zero offsets {offsets} (written at an interior j; boundary "
             "rows hold fewer terms)", style="bold"),
        pairs(rows)]
    coupled = _couplings(problem)
    if coupled:
        parts.append(Text(f"also dense rows and columns for {', '.join(coupled)}, which meet "
                          "every entry of a sum"))
    if at is not None:
        parts += [Text(""), Text(f"at x = {fmt_long(at.point.tolist())}", style="bold"),
                  pairs(_curvature_rows(at))]
    return Group(*parts)


def _curvature_rows(at: VectorCurvature) -> list[tuple[str, str]]:
    rows = [("λmin, λmax", f"{fmt(at.lowest)}, {fmt(at.highest)}  ({at.method})"),
            ("definiteness", at.definiteness)]
    if at.stability_bound is not None:
        meaning = ("near here gradient descent settles only with a learning rate below "
                   "it" if at.definiteness == "positive definite" else
                   "a learning rate above it makes steps along the top eigenvector grow")
        rows.append(("2/λmax", f"{fmt_bound(at.stability_bound)}  ({meaning})"))
    return rows


def hessian_json(problem: VectorProblem, at: VectorCurvature | None) -> dict[str, Any]:
    found = bands(problem.function)
    payload: dict[str, Any] = {
        "function": plain(problem.function.expression), "dim": problem.n,
        "bands": [{"row": b.row, "column": b.column, "offset": b.offset,
                   "formula": plain(b.formula)} for b in found],
        "dense_couplings": _couplings(problem),
    }
    if at is not None:
        payload.update(point=at.point.tolist(), lambda_min=at.lowest, lambda_max=at.highest,
                       definiteness=at.definiteness, stability_bound=at.stability_bound,
                       method=at.method,
                       eigenvalues=None if at.eigenvalues is None else at.eigenvalues.tolist())
    return payload
