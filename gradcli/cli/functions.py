"""`functions`: the library of named benchmark functions."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from gradcli.cli.app import Json, app, run
from gradcli.cli.completion import function_names

functions_app = typer.Typer(no_args_is_help=False, invoke_without_command=True)
app.add_typer(functions_app, name="functions")


def _warn_malformed(malformed) -> None:
    for bad in malformed:
        sys.stderr.write(f"warning: {bad.message.rstrip('.')}; skipped.\n")


@functions_app.callback()
def functions(
    ctx: typer.Context,
    json: Json = False,
) -> None:
    """The library of named functions.

    List them, or show one; a name works wherever an expression does.

    Examples:

      gradcli functions

      gradcli functions show himmelblau

      gradcli descend himmelblau
    """
    if ctx.invoked_subcommand is not None:
        return

    def body():
        from gradcli.library import load_all
        from gradcli.render.jsonout import emit as emit_json

        entries, malformed = load_all()
        _warn_malformed(malformed)
        if json:
            from gradcli.render.library import as_dict

            emit_json({"functions": [as_dict(f) for f in entries],
                       "malformed": [{"path": str(m.path), "message": m.message}
                                     for m in malformed]})
            return
        from gradcli.render.console import emit
        from gradcli.render.library import listing

        emit(listing(entries))

    run(body)


@functions_app.command()
def show(
    name: Annotated[str, typer.Argument(help="A library name, e.g. himmelblau.",
                                        autocompletion=function_names)],
    json: Json = False,
) -> None:
    """One function in full: formula, domain, minima, defaults and a command to try.

    Examples:

      gradcli functions show rosenbrock

      gradcli functions show himmelblau --json
    """

    def body():
        from gradcli import library
        from gradcli.render.jsonout import emit as emit_json

        entry = library.find(name)
        if entry is None:
            raise library.unknown(name)
        if json:
            from gradcli.render.library import as_dict

            emit_json(as_dict(entry))
            return
        from gradcli.render.console import emit
        from gradcli.render.library import details
        from gradcli.render.maths import MathFormat, show
        from gradcli.symbolic.parsing import parse

        formula = parse(entry.expression).components[0]
        emit(details(entry, show(formula, MathFormat.pretty)))

    run(body)
