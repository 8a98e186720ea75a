"""SymPy expressions as gradcli syntax: the one text form that gradcli itself parses again."""

from __future__ import annotations

import sympy as sp
from sympy.printing.str import StrPrinter

SHORT = 10**15  # integers up to here print as digits; larger ones as decimals with an exponent


def _decimal(value: sp.Rational) -> str | None:
    """`value` written exactly as m·10^k (1e-31, 25e40), or None when no short form is exact."""
    numerator, denominator = int(value.p), int(value.q)
    twos = (denominator & -denominator).bit_length() - 1
    fives, rest = 0, denominator >> twos
    while rest % 5 == 0:
        rest //= 5
        fives += 1
    if rest != 1:
        return None
    shift = max(twos, fives)
    mantissa = numerator * 10**shift // denominator
    exponent = -shift
    while mantissa % 10 == 0 and mantissa:
        mantissa //= 10
        exponent += 1
    if abs(mantissa) >= 10**30:
        return None
    return f"{mantissa}e{exponent}" if exponent else str(mantissa)


class _GradcliPrinter(StrPrinter):
    """SymPy's str form, with gradcli's own function names so the text parses again."""

    def _print_Integer(self, expr):
        if abs(expr.p) < SHORT:
            return super()._print_Integer(expr)
        return _decimal(expr) or repr(float(expr))

    def _print_Rational(self, expr):
        if abs(expr.p) < SHORT and expr.q < SHORT:
            return super()._print_Rational(expr)
        return _decimal(expr) or repr(float(expr))

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
