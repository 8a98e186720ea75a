"""Expressions as text in the three formats people ask for."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # SymPy loads only where an expression is printed: `functions` never does
    import sympy as sp


class MathFormat(StrEnum):
    compact = "compact"
    plain = "plain"
    pretty = "pretty"
    latex = "latex"


_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def compact_text(text: str) -> str:
    """One line for people from gradcli syntax: x² + 3·y instead of x**2 + 3*y."""
    text = re.sub(r"\*\*(\d+)(?![\d.])", lambda m: m.group(1).translate(_SUPERSCRIPT), text)
    return text.replace("**", "^").replace("*", "·")


def compact(expr: sp.Expr) -> str:
    from gradcli.symbolic.printing import plain

    return compact_text(plain(expr))


def show(expr: sp.Expr, style: MathFormat = MathFormat.plain) -> str:
    import sympy as sp

    from gradcli.symbolic.printing import plain

    if style is MathFormat.compact:
        return compact(expr)
    if style is MathFormat.pretty:
        return sp.pretty(expr, use_unicode=True, wrap_line=False)
    if style is MathFormat.latex:
        return sp.latex(expr)
    return plain(expr)
