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


METHOD_HELP = (
    "gd: x ← x − η·g | momentum: v ← β·v + g, x ← x − η·v | nesterov: v ← β·v + g, "
    "x ← x − η·(g + β·v) | adagrad: s ← s + g², x ← x − η·g/(√s + ε) | rmsprop: "
    "s ← ρ·s + (1 − ρ)·g², x ← x − η·g/(√s + ε) | adam: m ← β₁·m + (1 − β₁)·g, "
    "v ← β₂·v + (1 − β₂)·g², x ← x − η·m̂/(√v̂ + ε) with m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ) | "
    "newton: x ← x − η·(H + μI)⁻¹·g, μ > 0 only where H is not positive definite (default η 1)"
)


def method_options(momentum, decay, beta1, beta2, eps) -> dict[str, float]:
    """The hyperparameters the user gave, by name (the method checks that they apply)."""
    given = {"momentum": momentum, "decay": decay, "beta1": beta1, "beta2": beta2, "eps": eps}
    return {name: value for name, value in given.items() if value is not None}


def transforms_from(noise, seed, accumulate, clip_norm, clip_value):
    from gradcli.errors import InputError
    from gradcli.plan import Transforms

    for value, option in ((noise, "--noise"), (clip_norm, "--clip-norm"),
                          (clip_value, "--clip-value")):
        check_positive(value, option)
    if seed is not None and noise is None:
        raise InputError("--seed sets the noise of --noise; add --noise σ or drop --seed.")
    if seed is not None and seed < 0:
        raise InputError(f"--seed must be a whole number ≥ 0, not {seed}.")
    return Transforms(noise, (seed or 0) if noise is not None else None, accumulate, clip_value,
                      clip_norm)


@app.command(context_settings=EXPRESSION_COMMAND)
def descend(
    expr: Expression,
    start: Annotated[str | None, typer.Option(
        "--start", metavar="P",
        help="Starting point, e.g. 1,2 (in the variable order); a library function has one.",
        show_default=False)] = None,
    lr: Annotated[float | None, typer.Option(
        "--lr", help=f"Learning rate η (step size); default: the method's (newton 1), else the "
                     f"library function's, else {DEFAULT_LR}.", show_default=False)] = None,
    method: Annotated[str, typer.Option("--method", "-m", help=METHOD_HELP)] = "gd",
    momentum: Annotated[float | None, typer.Option(
        "--momentum", help="momentum, nesterov: β in [0, 1) (default 0.9).",
        show_default=False)] = None,
    decay: Annotated[float | None, typer.Option(
        "--decay", help="rmsprop: ρ in [0, 1) (default 0.99).", show_default=False)] = None,
    beta1: Annotated[float | None, typer.Option(
        "--beta1", help="adam: β₁ in [0, 1) (default 0.9).", show_default=False)] = None,
    beta2: Annotated[float | None, typer.Option(
        "--beta2", help="adam: β₂ in [0, 1) (default 0.999).", show_default=False)] = None,
    eps: Annotated[float | None, typer.Option(
        "--eps", help="adam, rmsprop (default 1e-8), adagrad (default 1e-10): ε > 0.",
        show_default=False)] = None,
    line_search: Annotated[bool, typer.Option(
        "--line-search", help="gd, newton: backtracking (Armijo) from η, halving until f "
                              "decreases enough; the table shows the accepted step.")] = False,
    schedule: Annotated[str | None, typer.Option(
        "--schedule", metavar="SPEC", help="Learning-rate schedule: constant, step:F@N, exp:G, "
                                           "inv:D, cosine:T or cosine:T:W (warm-up W steps).",
        show_default=False)] = None,
    clip_norm: Annotated[float | None, typer.Option(
        "--clip-norm", metavar="C", help="Rescale g to norm C when ‖g‖ > C (direction kept).",
        show_default=False)] = None,
    clip_value: Annotated[float | None, typer.Option(
        "--clip-value", metavar="C", help="Clip each component of g to [−C, C].",
        show_default=False)] = None,
    noise: Annotated[float | None, typer.Option(
        "--noise", metavar="σ", help="Add seeded Gaussian noise N(0, σ²I) to every gradient "
                                     "(a model of minibatch noise).", show_default=False)] = None,
    seed: Annotated[int | None, typer.Option(
        "--seed", help="Seed of --noise (default 0): the same seed gives the same run, bit for "
                       "bit.", show_default=False)] = None,
    accumulate: Annotated[bool, typer.Option(
        "--accumulate", help="Teaching: sum gradients across steps instead of resetting them "
                             "(the 'forgot to zero the gradients' bug).")] = False,
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
    """Gradient descent and its relatives from a start, with the steps in a table and a plot.

    Exit code 0 converged, 3 stopped without converging, 4 diverged or left the domain, 130
    interrupted.

    Examples:

      gradcli descend "x**2+y**2" --start 1,2 --lr 0.1

      gradcli descend "x**2" --start 1 --lr 1.5          # too big: diverges, and says why

      gradcli descend rosenbrock --method adam --lr 0.02 --steps 5000

      gradcli descend rosenbrock --method newton --line-search

      gradcli descend ill_conditioned --schedule exp:0.999 --clip-norm 5 --json
    """

    def body():
        import numpy as np

        from gradcli.descent import descend as run_descent
        from gradcli.engine import StopRules
        from gradcli.errors import InputError
        from gradcli.plan import make_plan
        from gradcli.problem import Problem
        from gradcli.render.progress import progress_bar
        from gradcli.vectors import parse_vector

        check_positive(lr, "--lr")
        check_positive(tol, "--tol", allow_zero=True)
        check_positive(step_tol, "--step-tol", allow_zero=True)
        check_positive(f_tol, "--f-tol", allow_zero=True)
        for value, option in ((steps, "--steps"), (record_every, "--record-every"),
                              (every, "--every")):
            check_count(value, option)
        one_output(json=json, csv=csv, quiet=quiet)
        plan = make_plan(method, method_options(momentum, decay, beta1, beta2, eps), schedule,
                         transforms_from(noise, seed, accumulate, clip_norm, clip_value),
                         line_search)
        problem = Problem.resolve(expression_text(expr), variables)
        entry = problem.entry
        if start is None and entry is None:
            raise InputError("--start is required for an expression; give one, e.g. --start "
                             + ",".join(["1"] * len(problem.variables)) + ".")
        point = parse_vector(start, "--start", len(problem.variables)) if start is not None \
            else entry.start
        rate = default_rate(lr, plan.rule.default_lr, entry.lr if entry else None)
        stop = StopRules(steps, tol, step_tol, f_tol)
        with progress_bar(steps) as progress:
            result = run_descent(problem, np.array([[float(v) for v in point]]), rate, plan,
                                 stop, record_every, progress)[0]
        show(problem, result, plan, json=json, csv=csv, quiet=quiet, table=table, plot=plot,
             every=every, show_all=show_all)
        return result.exit_code

    run(body)


def default_rate(given: float | None, method: float | None, library: float | None) -> float:
    """The user's --lr; else the method's own (Newton: 1); else the library's; else 0.01."""
    for rate in (given, method, library):
        if rate is not None:
            return rate
    return DEFAULT_LR


def show(problem, result, plan, *, json: bool, csv: bool, quiet: bool, table: bool,
         plot: bool | None, every: int | None, show_all: bool) -> None:
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
        from gradcli.render.console import emit, plot_width, wants_colour
        from gradcli.render.descent import descent_view
        from gradcli.render.maths import compact

        emit(descent_view(result, compact(problem.function), plan.rule.formula, table, every,
                          show_all))
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
