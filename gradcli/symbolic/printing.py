"""SymPy expressions as gradcli syntax: the one text form that gradcli itself parses again."""

from __future__ import annotations

import sympy as sp
from sympy.printing.str import StrPrinter

SHORT = 10**15  # integers up to here print as digits; larger ones as decimals with an exponent
WIDEST_EXPONENT = 300  # the parser's limit on a decimal exponent


def _power_of_ten(exponent: int) -> str:
    """10^exponent as literals the parser takes: 1e-600 is written 1e-300*1e-300."""
    parts = []
    while abs(exponent) > WIDEST_EXPONENT:
        step = WIDEST_EXPONENT if exponent > 0 else -WIDEST_EXPONENT
        parts.append(f"1e{step}")
        exponent -= step
    if exponent:
        parts.append(f"1e{exponent}")
    return "*".join(parts)


def _whole(number: int) -> str:
    """An integer in literals of at most 15 digits: (1234…*10**15 + 5678…) for long ones."""
    if abs(number) < SHORT:
        return str(number)
    sign, number = ("-" if number < 0 else ""), abs(number)
    chunks, shift = [], 0
    while number:
        number, low = divmod(number, SHORT)
        if low:
            chunks.append(f"{low}*10**{shift}" if shift else str(low))
        shift += 15
    return f"{sign}(" + " + ".join(reversed(chunks)) + ")"


def _tens(number: int) -> tuple[int, int]:
    """number = rest · 10^count with rest not divisible by 10."""
    count = 0
    while number and number % 10 == 0:
        number //= 10
        count += 1
    return number, count


def _fraction(numerator: int, denominator: int) -> str:
    """p/q with the powers of ten taken out: 7/(3·10^400) is 7/3*1e-300*1e-100."""
    (top, up), (bottom, down) = _tens(numerator), _tens(denominator)
    text = _whole(top) + (f"/{_whole(bottom)}" if bottom != 1 else "")
    return text + (f"*{_power_of_ten(up - down)}" if up != down else "")


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
    if not exponent:
        return str(mantissa)
    if abs(exponent) <= WIDEST_EXPONENT:
        return f"{mantissa}e{exponent}"
    return f"{mantissa}*{_power_of_ten(exponent)}"


class _GradcliPrinter(StrPrinter):
    """SymPy's str form, with gradcli's own function names so the text parses again."""

    def _print_Integer(self, expr):
        if abs(expr.p) < SHORT:
            return super()._print_Integer(expr)
        return _decimal(expr) or _whole(int(expr.p))

    def _print_Rational(self, expr):
        if abs(expr.p) < SHORT and expr.q < SHORT:
            return super()._print_Rational(expr)
        return _decimal(expr) or _fraction(int(expr.p), int(expr.q))

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
