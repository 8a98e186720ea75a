"""`descend`: gradient descent and its relatives, shown as a table and plots, or as data."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from gradcli.cli.app import (
    Dim,
    Expression,
    Json,
    Variables,
    app,
    batch_code,
    expression_text,
    run,
    status_on_stderr,
    whole_number,
)
from gradcli.cli.landscape import Box
from gradcli.cli.options import (
    DEFAULT_STEPS,
    DEFAULT_TOL,
    Accumulate,
    Beta1,
    Beta2,
    ClipNorm,
    ClipValue,
    Decay,
    Eps,
    FTol,
    Method,
    Momentum,
    Noise,
    Plot,
    Rate,
    Schedule,
    Start,
    Steps,
    StepTol,
    Table,
    Tol,
    check_count,
    check_positive,
    default_rate,
    is_large,
    method_options,
    one_output,
    start_point,
    stop_rules,
    transforms_from,
)
from gradcli.cli.pictures import (
    DEFAULT_FPS,
    Animate,
    Fps,
    Save,
    check_animate,
    check_fps,
    save_paths,
    save_points,
    saved,
    target_of,
)
from gradcli.cli.pictures import animate as animate_paths


@app.command()
def descend(
    expr: Expression,
    start: Start = None,
    lr: Rate = None,
    method: Method = "gd",
    momentum: Momentum = None,
    decay: Decay = None,
    beta1: Beta1 = None,
    beta2: Beta2 = None,
    eps: Eps = None,
    line_search: Annotated[bool | None, typer.Option(
        "--line-search/--no-line-search", show_default=False,
        help="Backtracking (Armijo) from η, halving until f decreases enough; the table shows "
             "the accepted step. gd: off unless given; newton: on unless --no-line-search "
             "(pure Newton, x ← x − η·(H + μI)⁻¹·g).")] = None,
    schedule: Schedule = None,
    clip_norm: ClipNorm = None,
    clip_value: ClipValue = None,
    noise: Noise = None,
    seed: Annotated[int | None, typer.Option(
        "--seed", parser=whole_number, show_default=False,
        help="Seed of --noise and of --starts random:N (default 0): the same seed gives the "
             "same run, bit for bit.")] = None,
    starts: Annotated[str | None, typer.Option(
        "--starts", metavar="SPEC",
        help="Many starts in one batch: random:N (uniform in --box) or grid:G (G per axis); "
             "shows where the runs end (basins) instead of one path.", show_default=False)] = None,
    box: Box = None,
    accumulate: Accumulate = False,
    steps: Steps = DEFAULT_STEPS,
    tol: Tol = DEFAULT_TOL,
    step_tol: StepTol = None,
    f_tol: FTol = None,
    record_every: Annotated[int | None, typer.Option(
        "--record-every", parser=whole_number, metavar="K",
        help="Record every K-th step (default: every step, thinned to about 2000 rows).")] = None,
    every: Annotated[int | None, typer.Option(
        "--every", parser=whole_number, metavar="K",
        help="Table: show every K-th recorded step.")] = None,
    show_all: Annotated[bool, typer.Option(
        "--all", help="Table: show every recorded step.")] = False,
    table: Table = True,
    plot: Plot = None,
    variables: Variables = None,
    dim: Dim = None,
    record_x: Annotated[bool, typer.Option(
        "--record-x", help="Vector functions: keep the whole point at every recorded step "
                           "(refused beyond 1 GiB); the history otherwise keeps a summary.")
    ] = False,
    save: Save = None,
    fps: Fps = DEFAULT_FPS,
    animate: Animate = False,
    explain: Annotated[int | None, typer.Option(
        "--explain", parser=whole_number, metavar="[K]", show_default=False,
        help="Work out the first K steps by hand (default 3): the gradient formula, its value, "
             "the method's state and update with the numbers in, exactly (fractions) where "
             "the start and rate are exact; with --json, as data under \"explain\".")] = None,
    json: Json = False,
    csv: Annotated[bool, typer.Option("--csv", help="Print the recorded steps as CSV.")] = False,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="Print only the final point, as space-separated numbers.")] = False,
) -> None:
    """Gradient descent and its relatives, step by step.

    From a start (or many, with --starts), with the steps in a table and plots, or as data.

    Exit code 0 converged, 3 stopped without converging, 4 diverged or left the domain, 130
    interrupted.

    Examples:

      gradcli descend "x**2+y**2" --start 1,2 --lr 0.1

      gradcli descend "x**2" --start 1 --lr 1.5          # too big: diverges, and says why

      gradcli descend rosenbrock --method adam --lr 0.02 --steps 5000

      gradcli descend rosenbrock --method newton --no-line-search

      gradcli descend "x**2+y**2" --start 1,2 --lr 0.1 --explain 3

      gradcli descend ill_conditioned --method adam --lr 0.1 --schedule exp:0.999 --clip-norm 5

      gradcli descend himmelblau --starts grid:30      # which minimum from which start

      gradcli descend rosenbrock_nd --dim 1000 --method newton   # vectors: x[1..n]

      gradcli descend rosenbrock --method adam --lr 0.05 --save adam.png   # or .svg .pdf .gif

      gradcli descend "x**2" --start 1 --lr 0.9 --animate
    """

    def body():
        import numpy as np

        from gradcli.engine.descent import descend as run_descent
        from gradcli.engine.plan import make_plan
        from gradcli.engine.problem import EXPAND_LIMIT, Problem
        from gradcli.errors import InputError
        from gradcli.render.progress import progress_bar

        check_positive(lr, "--lr")
        check_fps(fps)
        target = target_of(save, still="--starts" if starts is not None else None)
        if animate and starts is not None:
            raise InputError("--animate replays one path; with --starts use --save basins.png "
                             "for a picture of the basins.")
        stop = stop_rules(steps, tol, step_tol, f_tol)
        check_count(record_every, "--record-every")
        check_count(every, "--every")
        # with --every K the record keeps every K-th step, so what the table shows was recorded
        recorded_every = record_every if record_every is not None else every
        one_output(json=json, csv=csv, quiet=quiet)
        check_seed_and_starts(seed, noise, starts, box, start=start, csv=csv, quiet=quiet,
                              every=every, show_all=show_all, record_every=record_every)
        plan = make_plan(method, method_options(momentum, decay, beta1, beta2, eps), schedule,
                         transforms_from(noise, seed, accumulate, clip_norm, clip_value),
                         line_search)
        problem = Problem.resolve(expression_text(expr), variables, dim)
        rate = default_rate(lr, plan.rule.default_lr, problem.entry.lr if problem.entry else None)
        large = is_large(problem)
        if record_x and not large:
            raise InputError("--record-x is for vector functions of more than "
                             f"{EXPAND_LIMIT} coordinates; this history keeps every point "
                             "already.")
        if starts is not None:
            if large:
                raise InputError(f"--starts maps basins of functions of a few variables; this "
                                 f"one has {problem.size} coordinates. Run single starts "
                                 "instead.")
            return many_starts(problem, plan, rate, stop, starts, box, seed, json=json,
                               plot=plot, table=table, target=target)
        if animate:
            check_animate(problem)
        point = start_point(problem, start)
        explained = _explained(problem, plan, point, rate, explain, large, quiet or csv)
        with progress_bar(steps) as progress:
            if large:
                from gradcli.engine.vector_descent import descend_vectors

                result = descend_vectors(problem, np.asarray(point, dtype=float)[None, :], rate,
                                         plan, stop, recorded_every, progress, record_x)[0]
            else:
                result = run_descent(problem, np.array([[float(v) for v in point]]), rate,
                                     plan, stop, recorded_every, progress)[0]
        if animate:
            animate_paths(problem, [plan.rule.name], [result], fps)
        if target is not None:  # drawn first, so the result can say that it was not
            title = picture_title(problem, f"{plan.rule.name}, {settings_of(result)}")
            [result] = saved([result], target, lambda: save_paths(
                target, problem, [plan.rule.name], [result], title, fps))
        show(problem, result, plan, json=json, csv=csv, quiet=quiet, table=table, plot=plot,
             every=every, show_all=show_all, explained=explained)
        return result.exit_code

    run(body)


def check_seed_and_starts(seed, noise, starts, box, **single_run_only) -> None:
    """--seed needs something to seed; --starts replaces the single-run options."""
    from gradcli.errors import InputError

    random_starts = starts is not None and starts.startswith("random:")
    if seed is not None and noise is None and not random_starts:
        raise InputError("--seed seeds --noise and --starts random:N; add one of them or drop "
                         "--seed.")
    if box is not None and starts is None:
        raise InputError("--box is the region of --starts; add --starts, e.g. --starts grid:20.")
    if starts is not None:
        for name, value in single_run_only.items():
            if value not in (None, False):
                option = "--all" if name == "show_all" else "--" + name.replace("_", "-")
                raise InputError(f"{option} applies to a single run, not to --starts.")


def picture_title(problem, what: str) -> str:
    """`gd, lr 0.1 on f(x, y) = x² + y²`: the title of a saved figure."""
    from gradcli.render.maths import compact

    named = f"{problem.entry.name}: " if problem.entry else ""
    return f"{what} on {named}f = {compact(function_of(problem))}"


def settings_of(result) -> str:
    from gradcli.render.descent import settings_text

    return settings_text(result.params)


def basin_legend(basin) -> str:
    """`1: minimum at (3, 2), f = 0 (global minimum)`: where the basin's runs ended, and what."""
    where = ", ".join(f"{v:.4g}" for v in basin.x)
    return (f"{basin.label}: {basin.kind} at ({where}), f = {basin.f:.4g}"
            + (f" ({basin.known})" if basin.known else ""))


def many_starts(problem, plan, rate, stop, spec, box_text, seed, *, json, plot, table, target):
    """Every start in one batch; report the basins, not the paths."""
    from gradcli.boxes import parse_box
    from gradcli.engine.descent import descend as run_descent
    from gradcli.errors import InputError
    from gradcli.explore.multistart import basins, starting_points
    from gradcli.render.progress import progress_bar

    n = len(problem.variables)
    if box_text is not None:
        region = parse_box(box_text, n)
    elif problem.entry is not None:
        region = problem.entry.domain
    else:
        raise InputError("--starts needs a --box for an expression, e.g. --box -5:5.")
    points = starting_points(spec, region, seed)
    with progress_bar(stop.steps) as progress:
        outcomes = run_descent(problem, points, rate, plan, stop, progress=progress)
    found = basins(problem, outcomes, region)
    from gradcli.engine.outcome import reported_params
    from gradcli.render import landscape as view

    params = reported_params(plan, rate)
    if json:
        from gradcli.render.jsonout import emit as emit_json
        from gradcli.symbolic.printing import plain

        head = {**({"name": problem.entry.name} if problem.entry else {}),
                "function": plain(problem.function), "variables": list(problem.names),
                "method": plan.rule.name, "params": params}
        emit_json(view.basins_json(found, outcomes, spec, region, head))
    else:
        from gradcli.cli.landscape import function_heading
        from gradcli.render.console import emit, plot_width, wants_colour
        from gradcli.render.descent import settings_text

        heading = f"{plan.rule.name} on {function_heading(problem)}"
        if table:
            emit(view.basins_view(found, spec, len(points), region, heading,
                                  settings_text(params)))
        if n == 2 and (plot if plot is not None else sys.stdout.isatty()):
            from gradcli.render.plots import basin_map

            labels = [basin.label for basin in found.basins]
            known = [basin.known == "global minimum" for basin in found.basins]
            minima = [m.point for m in problem.entry.minima] if problem.entry else []
            sys.stdout.write("\n" + basin_map(points, found.membership, labels, region,
                                               plot_width(), 24, wants_colour(sys.stdout),
                                               known, minima) + "\n")
    if target is not None:
        groups = [(basin_legend(b), points[found.membership == index])
                  for index, b in enumerate(found.basins)]
        groups.append(("no basin", points[found.membership == -1]))
        save_points(target, problem, region, groups,
                    picture_title(problem, f"basins of {len(points)} starts ({spec})"),
                    "basin reached")
    return batch_code(outcomes.status, 0 if found.basins else 3)


def _explained(problem, plan, point, rate, count, large, quiet_or_csv):
    """The worked first steps, when --explain asked for them (None otherwise)."""
    if count is None:
        return None
    from gradcli.errors import InputError

    if quiet_or_csv:
        raise InputError("--explain writes the working for people (or, with --json, as data); "
                         "it cannot be combined with --csv or --quiet.")
    from gradcli.explore.explain import MAX_EXPLAINED, explain

    if not 1 <= count <= MAX_EXPLAINED:
        raise InputError(f"--explain works out 1 to {MAX_EXPLAINED} steps, not {count}.")
    if large or not plan.schedule.constant or plan.transforms.active:
        raise InputError("--explain works out plain steps of a function of a few variables: "
                         "no --schedule, noise, clipping or accumulation, no vector longer "
                         "than the written-out limit.")
    return explain(problem, plan, [float(v) for v in point], rate, count)


def show(problem, result, plan, *, json: bool, csv: bool, quiet: bool, table: bool,
         plot: bool | None, every: int | None, show_all: bool, explained=None) -> None:
    """Write the result in the one form asked for; people get table, status and plots.

    Each branch imports only what it needs: Rich is not loaded for JSON, CSV or bare numbers.
    For programs, a run that did not converge also says why on stderr (stdout stays data).
    """
    status_on_stderr(result.status, result.message, machine=json or csv or quiet,
                     success=result.status == "converged")
    if json:
        from gradcli.render.jsonout import emit as emit_json

        payload = result.to_dict()
        if explained is not None:
            from gradcli.render.explain import explain_json

            payload["explain"] = explain_json(explained)
        emit_json(payload)
    elif csv:
        from gradcli.render.tabular import write_csv

        write_csv(result, sys.stdout)
    elif quiet:
        sys.stdout.write(" ".join(repr(v) for v in result.x) + "\n")
    else:
        from gradcli.render.console import emit, plot_width, wants_colour
        from gradcli.render.descent import descent_view
        from gradcli.render.maths import compact

        if explained is not None:
            from gradcli.render.console import output_width
            from gradcli.render.explain import explain_text, fitted

            sys.stdout.write(fitted(explain_text(explained, problem.names), output_width()) + "\n")
        emit(descent_view(result, compact(function_of(problem)), plan.rule.formula, table, every,
                          show_all))
        if plot if plot is not None else sys.stdout.isatty():
            sys.stdout.write("\n" + descent_plots(problem, result, plot_width(),
                                                  wants_colour(sys.stdout)))


def function_of(problem):
    """The expression people see: a vector function as written, with its sums."""
    return problem.function.expression if is_large(problem) else problem.function


def descent_plots(problem, result, width: int, colour: bool) -> str:
    """Convergence of f and ‖∇f‖; for two variables, the map of f with the path."""
    import numpy as np

    from gradcli.explore.surface import map_box, surface_grid
    from gradcli.render.plots import Series, convergence_plot, surface_map

    history = result.history
    parts = [
        convergence_plot([Series("f", history.k, history.f)], "f(x_k) against step k", width,
                         14, colour),
        convergence_plot([Series("‖∇f‖", history.k, history.grad_norm)],
                         "‖∇f(x_k)‖ against step k", width, 12, colour),
    ]
    finite = np.isfinite(history.x).all(axis=1) if history.x.size else np.array([False])
    if is_large(problem) or len(problem.variables) > 2 or not finite.any():
        return "\n\n".join(parts) + "\n"
    from gradcli.explore.surface import drawn_steps

    keep = drawn_steps(history.x)  # a run-away path: its first swings, not ±1e100
    label = result.method if keep == len(history.x) else \
        f"{result.method}, steps 0–{int(history.k[keep - 1])} drawn (E is step " \
        f"{int(history.k[keep - 1])}; after it the iterates run away)"
    path, values = history.x[:keep], history.f[:keep]
    if len(problem.variables) == 2:
        grid = surface_grid(problem, map_box(path, width, 22), width, 22)
        parts.append(surface_map(grid, [(label, path)], width, 24, colour))
    else:
        from gradcli.explore.surface import curve, interval_around
        from gradcli.render.plots import curve_plot

        line = curve(problem, interval_around(path), 2 * width)
        parts.append(curve_plot(line.xs, line.values, [(label, path[:, 0], values)], width, 20,
                                colour))
    return "\n\n".join(parts) + "\n"
