"""Shell completion of the words gradcli knows: methods and library functions.

Typer's completion (`gradcli --install-completion`) completes commands and options by itself;
these callbacks add the values. They import only what they read, so a Tab stays quick.
"""

from __future__ import annotations


def method_names(incomplete: str) -> list[str]:
    from gradcli.engine.optimizers import RULES

    return [name for name in RULES if name.startswith(incomplete)]


def method_lists(incomplete: str) -> list[str]:
    """`--methods gd,ad` → `gd,adam`: complete the entry after the last comma."""
    done, _, last = incomplete.rpartition(",")
    prefix = done + "," if done else ""
    return [prefix + name for name in method_names(last)]


def function_names(incomplete: str) -> list[str]:
    from gradcli import library

    return [name for name in library.names() if name.startswith(incomplete)]


def data_names(incomplete: str) -> list[str]:
    """Shipped data sets for `fit --data` and `data show` (files complete as the shell does)."""
    from gradcli.learn.datasets import shipped_names

    return [name for name in shipped_names() if name.startswith(incomplete)]
