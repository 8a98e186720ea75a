"""SymPy expressions as gradcli syntax: the one text form that gradcli itself parses again."""

from __future__ import annotations

import sympy as sp
from sympy.printing.str import StrPrinter


class _GradcliPrinter(StrPrinter):
    """SymPy's str form, with gradcli's own function names so the text parses again."""

    def _print_Abs(self, expr):
        return f"abs({self._print(expr.args[0])})"

    def _print_Min(self, expr):
        return "min(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Sum(self, expr):
        (index, low, high), = expr.limits
        return (f"sum({self._print(expr.function)}, ({self._print(index)}, {self._print(low)}, "
                f"{self._print(high)}))")

    def _print_Max(self, expr):
        return "max(" + ", ".join(self._print(a) for a in expr.args) + ")"


def plain(expr: sp.Expr) -> str:
    """The machine form: gradcli syntax that `gradcli` itself parses again."""
    return _GradcliPrinter().doprint(expr)
