"""Counts typed as text (`random:500`, `step:100:0.5`, `1e-4:1:13`): plain ASCII digits only.

`str.isdigit` accepts '²' and `int` accepts Arabic-Indic digits and refuses 5,000-digit ones with
an exception of its own; a count is at most twelve ASCII digits, checked before `int` sees it.
"""

from __future__ import annotations

import re

_COUNT = re.compile(r"[0-9]{1,12}")


def parse_count(text: str) -> int | None:
    """The whole number written in `text`, or None when it is not one."""
    word = text.strip()
    return int(word) if _COUNT.fullmatch(word) else None


def shown(text: str, limit: int = 40) -> str:
    """User text quoted in a message, cut to `limit` characters."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def counted(count: int, noun: str) -> str:
    """'1 step', '2 steps': a count with its noun, singular for one."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
