"""The Typer application: option parsing and wiring only; the maths lives below it."""

from gradcli.cli import (  # noqa: F401  (registers the commands)
    comparisons,
    derivatives,
    descend,
    fit,
    functions,
    landscape,
)
from gradcli.cli.app import app


def main() -> None:
    app()
