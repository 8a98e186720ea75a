"""The Typer application: option parsing and wiring only; the maths lives below it."""

from gradcli.cli import derivatives, descend, functions, lab  # noqa: F401  (registers commands)
from gradcli.cli.app import app


def main() -> None:
    app()
