"""The worked first steps, as text for people and as data for programs."""

from __future__ import annotations

import re
import textwrap
from typing import Any, NamedTuple

from gradcli.explore.explain import Explanation, show, show_vector
from gradcli.render.maths import compact

_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_DOUBLED = re.compile(r"\(\((-[^()]+)\)\)")  # exp((-2)): a bracketed number as an argument


def _written_in(expression) -> str:
    """An expression with numbers written in for its variables, negative ones in brackets."""
    return _DOUBLED.sub(r"(\1)", compact(expression))


def _x(k: int) -> str:
    return "x" + str(k).translate(_SUBSCRIPT)


def _matrix(entries) -> str:
    n = round(len(entries) ** 0.5)
    return "[" + "; ".join(", ".join(show(entries[i * n + j]) for j in range(n))
                           for i in range(n)) + "]"


def _substituted(explanation: Explanation, point) -> str:
    """The gradient's formulas with the point's numbers written in: (2·1, 2·2)."""
    import sympy as sp

    variables = sorted({s for g in explanation.gradient for s in g.free_symbols}, key=str)
    names = {str(v): v for v in variables}
    mapping = {}
    for symbol, value in zip(explanation.variables, point, strict=True):
        text = show(value)
        if str(symbol) in names:
            mapping[names[str(symbol)]] = sp.Symbol(f"({text})" if text.startswith("-") else text)
    parts = [_written_in(g.xreplace(mapping)) for g in explanation.gradient]
    return "(" + ", ".join(parts) + ")" if len(parts) > 1 else parts[0]


def fitted(text: str, width: int) -> str:
    """Lines folded at spaces to fit `width`, continued four columns further in; a number (or
    any word) is never split, so one longer than the width stands alone on its line."""
    lines = []
    for line in text.splitlines():
        indent = line[:len(line) - len(line.lstrip(" "))]
        lines += textwrap.wrap(line.lstrip(" "), width, initial_indent=indent,
                               subsequent_indent=indent + "    ", break_long_words=False,
                               break_on_hyphens=False) or [""]
    return "\n".join(lines) + "\n"


def explain_text(explanation: Explanation, names: tuple[str, ...]) -> str:
    formulas = ", ".join(compact(g) for g in explanation.gradient)
    gradient = f"({formulas})" if len(names) > 1 else formulas
    lines = [f"The first {len(explanation.steps)} step{'s' if len(explanation.steps) > 1 else ''}"
             f" by hand ({explanation.method}: {explanation.formula}; η = "
             f"{show(explanation.rate)}):",
             f"∇f({', '.join(names)}) = {gradient}"]
    for step in explanation.steps:
        before, after = _x(step.k - 1), _x(step.k)
        lines += ["", f"step {step.k}", f"  {before} = {show_vector(step.point)}",
                  f"  ∇f({before}) = {_substituted(explanation, step.point)} = "
                  f"{show_vector(step.gradient)}"]
        for line in step.lines:
            label = after if line.name == "x" else line.name
            value = line.value if isinstance(line.value, tuple) else (line.value,)
            shown = _matrix(value) if line.name == "H" else show_vector(value)
            lines.append(f"  {label} = {line.substituted} = {shown}")
        lines.append(f"  f({after}) = {show(step.f)}")
    if explanation.general:
        lines += ["", explanation.general]
    return "\n".join(lines) + "\n"


def explain_json(explanation: Explanation) -> dict[str, Any]:
    """Every value as exact text (a fraction or a decimal) and as a float."""

    def both(values) -> dict[str, Any]:
        values = values if isinstance(values, tuple) else (values,)
        return {"text": [show(v) for v in values], "value": [float(v) for v in values]}

    return {
        "method": explanation.method,
        "formula": explanation.formula,
        "lr": show(explanation.rate),
        "gradient": [str(g) for g in explanation.gradient],
        "steps": [{"k": step.k, "x": both(step.point), "gradient": both(step.gradient),
                   "lines": [{"name": line.name, "substituted": line.substituted,
                              **both(line.value)} for line in step.lines],
                   "new_x": both(step.new_point), "f": both(step.f)}
                  for step in explanation.steps],
        "general": explanation.general,
    }


class Partials(NamedTuple):
    text: str
    data: list[dict[str, str]]


def partials(problem, point, report) -> Partials:
    """∂f/∂x = 2·x = 2·1 = 2 for each variable, then ‖∇f‖ = √(2² + 4²) = √20."""
    import sympy as sp

    from gradcli.explore.explain import exact

    values = tuple(exact(p) for p in point)
    mapping = {v: sp.Symbol(f"({show(a)})" if show(a).startswith("-") else show(a))
               for v, a in zip(problem.variables, values, strict=True)}
    lines = [f"Worked out at {show_vector(values)}:"]
    data = []
    for variable, formula, value in zip(problem.variables, problem.gradient, report.gradient,
                                        strict=True):
        written = _written_in(formula.xreplace(mapping))
        result = compact(value.exact)
        decimal = "" if value.exact.is_Rational else f" ≈ {value.number:.10g}"
        lines.append(f"  ∂f/∂{variable} = {compact(formula)} = {written} = {result}{decimal}")
        data.append({"variable": str(variable), "formula": str(formula), "substituted": written,
                     "value": result})
    squares = " + ".join(f"{_wrapped(compact(v.exact))}²" for v in report.gradient)
    exact_norm = "" if report.norm.exact.is_Float else f" = {compact(report.norm.exact)}"
    lines.append(f"  ‖∇f‖ = √({squares}){exact_norm}" + (
        f" ≈ {report.norm.number:.10g}" if not report.norm.exact.is_Rational else ""))
    data.append({"variable": "norm", "formula": "sqrt(sum of squares)", "substituted": squares,
                 "value": compact(report.norm.exact)})
    return Partials("\n".join(lines) + "\n", data)


def _wrapped(text: str) -> str:
    return f"({text})" if any(c in text for c in " +-·/") else text
