"""`compare` and `sweep`: the lab commands, each one batch of the descent engine."""

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
)
from gradcli.cli.completion import method_lists
from gradcli.cli.descend import picture_title
from gradcli.cli.options import (
    DEFAULT_STEPS,
    DEFAULT_TOL,
    METHOD_HELP,
    Beta1,
    Beta2,
    Decay,
    Eps,
    Method,
    Momentum,
    Plot,
    RecordEvery,
    Schedule,
    Start,
    Steps,
    Table,
    Tol,
    check_count,
    check_positive,
    default_rate,
    is_large,
    method_options,
    start_point,
    stop_rules,
)
from gradcli.cli.pictures import (
    DEFAULT_FPS,
    Animate,
    Figure,
    Fps,
    Save,
    check_animate,
    check_fps,
    save_paths,
    saved,
    target_of,
)
from gradcli.cli.pictures import animate as animate_paths


def _prepare(expr: str, variables: str | None, start: str | None, dim: int | None):
    from gradcli.engine.problem import Problem

    problem = Problem.resolve(expression_text(expr), variables, dim)
    return problem, start_point(problem, start)


MAX_BATCH_VALUES = 50_000_000  # runs × coordinates of a vector batch (400 MB per copy)


def _run_batch(problem, point, rates, plans, stop, record_every):
    """One batch of runs from the same start: (B, N) arrays for a vector function."""
    import numpy as np

    from gradcli.engine.descent import descend
    from gradcli.render.progress import progress_bar

    if is_large(problem) and len(plans) * problem.size > MAX_BATCH_VALUES:
        from gradcli.errors import InputError

        raise InputError(f"{len(plans)} runs of {problem.size} coordinates would hold "
                         f"{len(plans) * problem.size} numbers per copy; the limit is "
                         f"{MAX_BATCH_VALUES}: compare fewer runs or use a smaller --dim.")
    starts = np.repeat(np.asarray([[float(v) for v in point]]), len(plans), axis=0)
    with progress_bar(stop.steps) as progress:
        if is_large(problem):
            from gradcli.engine.vector_descent import descend_vectors

            return descend_vectors(problem, starts, rates, plans, stop, record_every,
                                   progress=progress)
        return list(descend(problem, starts, rates, plans, stop, record_every,
                            progress=progress, rows_per_run=True))


def _failures_to_stderr(labels, results) -> None:
    """With --json, each run that did not converge also says why on stderr (stdout stays
    data), as `descend --json` does."""
    for label, result in zip(labels, results, strict=True):
        if result.status not in ("converged", "interrupted"):
            sys.stderr.write(f"{label}: {result.status}: {result.message}\n")


def _plots_wanted(plot: bool | None) -> bool:
    return plot if plot is not None else sys.stdout.isatty()


@app.command()
def compare(
    expr: Expression,
    methods: Annotated[str, typer.Option(
        "--methods", metavar="LIST", autocompletion=method_lists,
        help="Methods side by side, comma-separated; each may carry settings as "
             "NAME:key=value:…, with key lr or the method's hyperparameters, e.g. "
             "gd,momentum:momentum=0.95,adam:lr=0.1. Methods: " + METHOD_HELP)] =
        "gd,momentum,nesterov,adagrad,rmsprop,adam,newton",
    start: Start = None,
    lr: Annotated[float | None, typer.Option(
        "--lr", help="Learning rate of every entry without its own lr= (Newton keeps its default "
                     "1); default: the library function's, else 0.01.", show_default=False)] = None,
    schedule: Schedule = None,
    steps: Steps = DEFAULT_STEPS,
    tol: Tol = DEFAULT_TOL,
    table: Table = True,
    plot: Plot = None,
    variables: Variables = None,
    dim: Dim = None,
    record_every: RecordEvery = None,
    save: Save = None,
    fps: Fps = DEFAULT_FPS,
    animate: Animate = False,
    json: Json = False,
) -> None:
    """Several methods side by side, in one batch.

    A summary table, one convergence plot, and for two variables one map with every path.

    Examples:

      gradcli compare rosenbrock --methods gd,momentum,adam:lr=0.1

      gradcli compare "x**2 + 10*y**2" --start 3,1 --lr 0.05 --methods gd,nesterov,newton --json

      gradcli compare sphere_nd --dim 100000 --methods gd:lr=0.1,adam:lr=0.05,newton

      gradcli compare rosenbrock --methods gd,momentum,adam:lr=0.1,newton --save race.gif
    """

    def body():
        from gradcli.engine.plan import make_plan
        from gradcli.explore.comparisons import parse_methods

        check_positive(lr, "--lr")
        check_fps(fps)
        target = target_of(save)
        stop = stop_rules(steps, tol, None, None)
        entries = parse_methods(methods)
        plans = [make_plan(entry.method, entry.params, schedule) for entry in entries]
        problem, point = _prepare(expr, variables, start, dim)
        if animate:
            check_animate(problem)
        library_lr = problem.entry.lr if problem.entry else None
        # An entry's own lr=; else the method's own default (Newton: 1); else --lr.
        rates = [entry.lr if entry.lr is not None
                 else default_rate(plan.rule.default_lr, lr, library_lr)
                 for entry, plan in zip(entries, plans, strict=True)]
        check_count(record_every, "--record-every")
        results = _run_batch(problem, point, rates, plans, stop, record_every)
        labels = [entry.label for entry in entries]
        if animate:
            animate_paths(problem, labels, results, fps)
        if target is not None:  # drawn first, so the results can say that it was not
            title = picture_title(problem, ", ".join(labels))
            results = saved(results, target, lambda: save_paths(target, problem, labels,
                                                                results, title, fps))
        if json:
            from gradcli.render.comparisons import compare_json
            from gradcli.render.jsonout import emit as emit_json

            _failures_to_stderr(labels, results)
            emit_json(compare_json(labels, results))
            return batch_code(result.status for result in results)
        from gradcli.render.comparisons import compare_view
        from gradcli.render.console import emit, plot_width, wants_colour
        from gradcli.render.maths import compact

        if table:
            emit(compare_view(labels, results, compact(function_of(problem))))
        if _plots_wanted(plot):
            sys.stdout.write("\n" + _paths_plots(problem, labels, results, plot_width(),
                                                 wants_colour(sys.stdout)))
        return batch_code(result.status for result in results)

    run(body)


def _save_sweep(target, problem, plan, results, verdicts, bounds) -> None:
    import numpy as np

    from gradcli.render.images import sweep_figure

    rates = np.array([r.params["lr"] for r in results])
    finals = np.array([r.f for r in results])
    steps = np.array([r.iterations if r.status == "converged" else np.nan for r in results])
    diverged = np.array([v == "diverged" for v in verdicts])
    sweep_figure(target, picture_title(problem, f"sweep of {plan.rule.name}"), rates, finals,
                 steps, diverged, [b for b in bounds.values() if b is not None])


def function_of(problem):
    from gradcli.cli.descend import function_of as shown

    return shown(problem)


def _paths_plots(problem, labels, results, width: int, colour: bool) -> str:
    import numpy as np

    from gradcli.explore.surface import map_box, surface_grid
    from gradcli.render.plots import Series, convergence_plot, surface_map

    parts = [convergence_plot([Series(label, r.history.k, r.history.f)
                               for label, r in zip(labels, results, strict=True)],
                              "f(x_k) against step k", width, 16, colour)]
    if not is_large(problem) and len(problem.variables) == 2:
        paths = [(label, r.history.x[np.isfinite(r.history.x).all(axis=1)])
                 for label, r in zip(labels, results, strict=True)]
        paths = [(label, path) for label, path in paths if len(path)]
        if paths:
            grid = surface_grid(problem, map_box(np.vstack([p for _, p in paths]), width, 22),
                                width, 22)
            parts.append(surface_map(grid, paths, width, 24, colour))
    return "\n\n".join(parts) + "\n"


@app.command()
def sweep(
    expr: Expression,
    lr: Annotated[str, typer.Option(
        "--lr", metavar="RATES",
        help="Learning rates: LOW:HIGH:COUNT, log-spaced (e.g. 1e-4:1:13), or a list "
             "(e.g. 0.001,0.01,0.1).")] = "1e-4:1:13",
    start: Start = None,
    method: Method = "gd",
    momentum: Momentum = None,
    decay: Decay = None,
    beta1: Beta1 = None,
    beta2: Beta2 = None,
    eps: Eps = None,
    schedule: Schedule = None,
    steps: Steps = DEFAULT_STEPS,
    tol: Tol = DEFAULT_TOL,
    table: Table = True,
    plot: Plot = None,
    variables: Variables = None,
    dim: Dim = None,
    record_every: RecordEvery = None,
    save: Figure = None,
    json: Json = False,
) -> None:
    """Many learning rates in one batch, against 2/λmax.

    Which rates are too small (crawl), good, or too big (overshoot and diverge).

    Examples:

      gradcli sweep "x**2 + y**2" --start 1,2 --lr 1e-4:1:13

      gradcli sweep rosenbrock --lr 1e-4,5e-4,1e-3,2e-3,4e-3 --json

      gradcli sweep sphere_nd --dim 100000 --lr 0.1,0.5,0.9,1.1

      gradcli sweep "x**2 + y**2" --start 1,2 --lr 1e-4:3:13 --save sweep.pdf
    """

    def body():
        from gradcli.engine.plan import make_plan
        from gradcli.explore.comparisons import (
            best_rate,
            parse_rates,
            reached,
            stability_bound,
            verdict,
        )

        rates = parse_rates(lr)
        target = target_of(save, still="sweep")
        stop = stop_rules(steps, tol, None, None)
        plan = make_plan(method, method_options(momentum, decay, beta1, beta2, eps), schedule)
        problem, point = _prepare(expr, variables, start, dim)
        check_count(record_every, "--record-every")
        results = _run_batch(problem, point, rates, [plan] * len(rates), stop, record_every)
        best = reached(results)
        bounds = {"start": stability_bound(problem, [float(v) for v in point]),
                  "end": stability_bound(problem, best.x) if best else None}
        verdicts = [verdict(result, bounds["end"] or bounds["start"]) for result in results]
        if target is not None:
            _save_sweep(target, problem, plan, results, verdicts, bounds)
        if json:
            from gradcli.render.comparisons import sweep_json
            from gradcli.render.jsonout import emit as emit_json

            _failures_to_stderr([f"lr {r.params['lr']:g}" for r in results], results)
            emit_json(sweep_json(results, verdicts, bounds))
            return batch_code(result.status for result in results)
        from gradcli.render.comparisons import sweep_view
        from gradcli.render.console import emit, plot_width, wants_colour
        from gradcli.render.maths import compact

        if table:
            best = best_rate(problem, results,
                             plan.rule.name if plan.schedule.constant else "scheduled")
            emit(sweep_view(results, verdicts, bounds, compact(function_of(problem)), best))
        if _plots_wanted(plot):
            import numpy as np

            from gradcli.render.plots import sweep_plot

            finals = np.array([result.f for result in results])
            taken = np.array([r.iterations if r.status == "converged" else np.nan
                              for r in results], dtype=float)
            diverged = np.array([verdict == "diverged" for verdict in verdicts])
            marks = [b for b in bounds.values() if b is not None]
            sys.stdout.write("\n" + sweep_plot(np.asarray(rates), finals, taken, diverged,
                                               marks, plot_width(), 16,
                                               wants_colour(sys.stdout)) + "\n")
        return batch_code(result.status for result in results)

    run(body)
