"""The Typer application: option parsing and wiring only; the maths lives below it."""

from gradcli.cli import (  # noqa: F401  (registers the commands)
    comparisons,
    derivatives,
    descend,
    embed,
    fit,
    functions,
    landscape,
    reparam,
)
from gradcli.cli.app import app  # noqa: F401  (the console script runs it)
