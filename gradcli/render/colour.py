"""Whether output is coloured: on a terminal only (never with NO_COLOR or TERM=dumb), unless
--color always or never decides. Kept apart from Rich so reading the option costs nothing."""

from __future__ import annotations

import os
from typing import TextIO

COLOR_CHOICES = ("auto", "always", "never")
_choice = ["auto"]  # this invocation's --color (the CLI sets it before any output)


def choose_colour(choice: str) -> None:
    _choice[0] = choice


def wants_colour(stream: TextIO) -> bool:
    if _choice[0] != "auto":
        return _choice[0] == "always"
    return stream.isatty() and "NO_COLOR" not in os.environ \
        and os.environ.get("TERM") != "dumb"


def forced() -> bool:
    """--color always: colour even into a pipe (`| less -R`)."""
    return _choice[0] == "always"


