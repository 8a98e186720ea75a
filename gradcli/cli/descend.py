"""`descend`: gradient descent on a function, shown as a table and plots, or as data."""

from __future__ import annotations

import math
import sys
from typing import Annotated

import typer

from gradcli.cli.app import (
    EXPRESSION_COMMAND,
    Expression,
    Json,
    Variables,
    app,
    expression_text,
    run,
)

DEFAULT_STEPS = 10_000
DEFAULT_TOL = 1e-8
DEFAULT_LR = 0.01


def check_positive(value: float | None, option: str, allow_zero: bool = False) -> None:
    """Learning rates and tolerances: finite, and positive (or zero where that means 'off')."""
    from gradcli.errors import InputError

    if value is None:
        return
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        wanted = "a finite number ≥ 0" if allow_zero else "a finite number > 0"
        raise InputError(f"{option} must be {wanted}, not {value:g}.")


def check_count(value: int | None, option: str) -> None:
    from gradcli.errors import InputError

    if value is not None and value < 1:
        raise InputError(f"{option} must be a whole number ≥ 1, not {value}.")


def one_output(**chosen: bool) -> None:
    from gradcli.errors import InputError

    picked = [f"--{name}" for name, on in chosen.items() if on]
    if len(picked) > 1:
        raise InputError(f"{' and '.join(picked)} cannot be combined; choose one output.")


@app.command(context_settings=EXPRESSION_COMMAND)
def descend(
    expr: Expression,
    start: Annotated[str | None, typer.Option(
        "--start", metavar="P",
        help="Starting point, e.g. 1,2 (in the variable order); a library function has one.",
        show_default=False)] = None,
    lr: Annotated[float | None, typer.Option(
        "--lr", help=f"Learning rate η (step size); default: the library function's, else "
                     f"{DEFAULT_LR}.", show_default=False)] = None,
    steps: Annotated[int, typer.Option("--steps", help="Most steps to take.")] = DEFAULT_STEPS,
    tol: Annotated[float, typer.Option(
        "--tol", help="Stop when ‖∇f‖ ≤ tol (0 turns it off).")] = DEFAULT_TOL,
    step_tol: Annotated[float | None, typer.Option(
        "--step-tol", help="Also stop when a step is this short.")] = None,
    f_tol: Annotated[float | None, typer.Option(
        "--f-tol", help="Also stop when f changes by ≤ f-tol·(1+|f|).")] = None,
    record_every: Annotated[int | None, typer.Option(
        "--record-every", metavar="K",
        help="Record every K-th step (default: every step, thinned to about 2000 rows).")] = None,
    every: Annotated[int | None, typer.Option(
        "--every", metavar="K", help="Table: show every K-th recorded step.")] = None,
    show_all: Annotated[bool, typer.Option(
        "--all", help="Table: show every recorded step.")] = False,
    table: Annotated[bool, typer.Option("--table/--no-table", help="Show the table.")] = True,
    plot: Annotated[bool | None, typer.Option(
        "--plot/--no-plot", help="Show plots (default: on a terminal only).",
        show_default=False)] = None,
    variables: Variables = None,
    json: Json = False,
    csv: Annotated[bool, typer.Option("--csv", help="Print the recorded steps as CSV.")] = False,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="Print only the final point, as space-separated numbers.")] = False,
) -> None:
    """Gradient descent x ← x − η·∇f(x) from a start, with the steps in a table and a plot.

    Exit code 0 converged, 3 stopped without converging, 4 diverged or left the domain, 130
    interrupted.

    Examples:

      gradcli descend "x**2+y**2" --start 1,2 --lr 0.1

      gradcli descend "x**2" --start 1 --lr 1.5          # too big: diverges, and says why

      gradcli descend rosenbrock --steps 50000 --json     # a library function and its defaults
    """

    def body():
        import numpy as np

        from gradcli.descent import descend as run_descent
        from gradcli.engine import StopRules
        from gradcli.problem import Problem
        from gradcli.render.progress import progress_bar
        from gradcli.vectors import parse_vector

        check_positive(lr, "--lr")
        from gradcli.errors import InputError
        check_positive(tol, "--tol", allow_zero=True)
        check_positive(step_tol, "--step-tol", allow_zero=True)
        check_positive(f_tol, "--f-tol", allow_zero=True)
        for value, option in ((steps, "--steps"), (record_every, "--record-every"),
                              (every, "--every")):
            check_count(value, option)
        one_output(json=json, csv=csv, quiet=quiet)
        problem = Problem.resolve(expression_text(expr), variables)
        entry = problem.entry
        if start is None and entry is None:
            raise InputError("--start is required for an expression; give one, e.g. --start "
                             + ",".join(["1"] * len(problem.variables)) + ".")
        point = parse_vector(start, "--start", len(problem.variables)) if start is not None \
            else entry.start
        rate = lr if lr is not None else (entry.lr if entry else DEFAULT_LR)
        stop = StopRules(steps, tol, step_tol, f_tol)
        with progress_bar(steps) as progress:
            result = run_descent(problem, np.array([[float(v) for v in point]]), rate, "gd", {},
                                 stop, record_every, progress)[0]
        show(problem, result, json=json, csv=csv, quiet=quiet, table=table, plot=plot,
             every=every, show_all=show_all)
        return result.exit_code

    run(body)


def show(problem, result, *, json: bool, csv: bool, quiet: bool, table: bool, plot: bool | None,
         every: int | None, show_all: bool) -> None:
    """Write the result in the one form asked for; people get table, status and plots.

    Each branch imports only what it needs: Rich is not loaded for JSON, CSV or bare numbers.
    """
    if json:
        from gradcli.render.jsonout import emit as emit_json

        emit_json(result.to_dict())
    elif csv:
        from gradcli.render.tabular import write_csv

        write_csv(result, sys.stdout)
    elif quiet:
        sys.stdout.write(" ".join(repr(v) for v in result.x) + "\n")
    else:
        from gradcli.optimizers import RULES
        from gradcli.render.console import emit, plot_width, wants_colour
        from gradcli.render.descent import descent_view
        from gradcli.render.maths import compact

        emit(descent_view(result, compact(problem.function), RULES[result.method].formula, table,
                          every, show_all))
        if plot if plot is not None else sys.stdout.isatty():
            sys.stdout.write("\n" + descent_plots(problem, result, plot_width(),
                                                  wants_colour(sys.stdout)))


def descent_plots(problem, result, width: int, colour: bool) -> str:
    """Convergence of f and ‖∇f‖; for two variables, the map of f with the path."""
    import numpy as np

    from gradcli.render.plots import Series, convergence_plot, surface_map
    from gradcli.surface import box_around, surface_grid

    history = result.history
    parts = [
        convergence_plot([Series("f", history.k, history.f)], "f(x_k) against step k", width,
                         14, colour),
        convergence_plot([Series("‖∇f‖", history.k, history.grad_norm)],
                         "‖∇f(x_k)‖ against step k", width, 12, colour),
    ]
    if len(problem.variables) == 2 and np.isfinite(history.x).all(axis=1).any():
        grid = surface_grid(problem, box_around(history.x), width, 22)
        parts.append(surface_map(grid, [(result.method, history.x)], width, 24, colour))
    return "\n\n".join(parts) + "\n"
