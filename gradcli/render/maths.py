"""Expressions as text in the three formats people ask for."""

from __future__ import annotations

import re
from enum import StrEnum

import sympy as sp
from sympy.printing.str import StrPrinter


class MathFormat(StrEnum):
    compact = "compact"
    plain = "plain"
    pretty = "pretty"
    latex = "latex"


class _GradcliPrinter(StrPrinter):
    """SymPy's str form, with gradcli's own function names so the text parses again."""

    def _print_Abs(self, expr):
        return f"abs({self._print(expr.args[0])})"

    def _print_Min(self, expr):
        return "min(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Max(self, expr):
        return "max(" + ", ".join(self._print(a) for a in expr.args) + ")"


def plain(expr: sp.Expr) -> str:
    """The machine form: gradcli syntax that `gradcli` itself parses again."""
    return _GradcliPrinter().doprint(expr)


_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def compact(expr: sp.Expr) -> str:
    """One line for people: x² + 3·y instead of x**2 + 3*y."""
    text = re.sub(r"\*\*(\d+)(?![\d.])", lambda m: m.group(1).translate(_SUPERSCRIPT),
                  plain(expr))
    return text.replace("**", "^").replace("*", "·")


def show(expr: sp.Expr, style: MathFormat = MathFormat.plain) -> str:
    if style is MathFormat.compact:
        return compact(expr)
    if style is MathFormat.pretty:
        return sp.pretty(expr, use_unicode=True, wrap_line=False)
    if style is MathFormat.latex:
        return sp.latex(expr)
    return plain(expr)
