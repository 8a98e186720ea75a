"""`reparam`: descent depends on coordinates; the minimum and Newton's path do not."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from gradcli.cli.app import Expression, Json, Variables, app, batch_code, expression_text, run
from gradcli.cli.options import (
    DEFAULT_TOL,
    Plot,
    Rate,
    Schedule,
    Start,
    Steps,
    Table,
    Tol,
    check_positive,
    default_rate,
    start_point,
    stop_rules,
)
from gradcli.cli.pictures import Figure, target_of


@app.command()
def reparam(
    expr: Expression,
    mapping: Annotated[str, typer.Option(
        "--map", metavar="OLD=FORMULA,…",
        help="The old variables in terms of new ones, θ = ψ(φ), e.g. \"x=u, y=10*v\".")] = "",
    start: Start = None,
    methods: Annotated[str, typer.Option(
        "--methods", metavar="LIST", help="Methods to run in both coordinate systems, as for "
                                          "compare (e.g. gd,newton,adam:lr=0.1).")
    ] = "gd,newton",
    lr: Rate = None,
    schedule: Schedule = None,
    steps: Steps = 10_000,
    tol: Tol = DEFAULT_TOL,
    variables: Variables = None,
    table: Table = True,
    plot: Plot = None,
    save: Figure = None,
    json: Json = False,
) -> None:
    """The same function in new coordinates θ = ψ(φ): a different descent path, the same
    minimum.

    The chain rule ∇_φ g = J_ψᵀ ∇_θ f checked at the start, the curvature and 2/λmax in both
    systems, each method run in both from corresponding starts, and the largest distance
    between the two paths (Newton's agree for an affine map).

    Exit code 0 (the statuses are in the output), 2 bad input, 130 interrupted.

    Examples:

      gradcli reparam rosenbrock --map "x=u, y=10*v" --lr 1e-3

      gradcli reparam "x**2 + 10*y**2" --map "x=u+v, y=u-v" --start 1,1 --json

      gradcli reparam "x**2 + 10*y**2" --map "x=u+v, y=u-v" --start 1,1 --save paths.png
    """

    def body():
        import numpy as np

        from gradcli.engine.descent import descend, fitting_stride
        from gradcli.engine.plan import make_plan
        from gradcli.engine.problem import Problem
        from gradcli.errors import InputError
        from gradcli.explore.comparisons import parse_methods
        from gradcli.explore.reparam import (
            curvature_of,
            invert,
            jacobian_at,
            path_distance,
            reparameterise,
            theta_of,
        )

        check_positive(lr, "--lr")
        if not mapping.strip():
            raise InputError("--map is required: the old variables in terms of new ones, such "
                             "as --map \"x=u, y=10*v\".")
        picture = target_of(save, still="reparam")
        stop = stop_rules(steps, tol, None, None)
        entries = parse_methods(methods)
        plans = [make_plan(e.method, e.params, schedule) for e in entries]
        problem = Problem.resolve(expression_text(expr), variables)
        if problem.indexed is not None:
            raise InputError("reparam changes named variables; write the function with named "
                             "variables.")
        change = reparameterise(problem, mapping)
        theta0 = np.array([float(v) for v in start_point(problem, start)])
        phi0 = invert(change, theta0)
        library = problem.entry.lr if problem.entry else None
        # an entry's own lr=; else the method's own default (Newton: 1); else --lr (as compare)
        rates = [e.lr if e.lr is not None else default_rate(p.rule.default_lr, lr, library)
                 for e, p in zip(entries, plans, strict=True)]
        starts = np.repeat(theta0[None, :], len(plans), axis=0)
        # both paths are kept at the same steps: every step, or the finest stride that fits
        every = fitting_stride(len(plans), len(theta0), stop.steps)
        in_theta = descend(problem, starts, rates, plans, stop, record_every=every)
        in_phi = descend(change.mapped, np.repeat(phi0[None, :], len(plans), axis=0), rates,
                         plans, stop, record_every=every)
        with np.errstate(all="ignore"):
            value = evaluate_gradient(problem, theta0)
            chain = jacobian_at(change, phi0).T @ value
            direct = evaluate_gradient(change.mapped, phi0)
        runs = []
        for label, rate, a, b in zip([e.label for e in entries], rates, in_theta, in_phi,
                                     strict=True):
            back = theta_of(change, b.history.x)
            runs.append({"label": label, "lr": rate, "original": a, "mapped": b,
                         "mapped_back": back,
                         "distance": path_distance(a.history.k, a.history.x, b.history.k, back)})
        end = np.array(runs[0]["original"].x)
        try:
            end_phi = invert(change, end) if np.isfinite(end).all() else None
        except InputError:
            end_phi = None
        report = _report(problem, change, (theta0, end if end_phi is not None else None),
                         (phi0, end_phi), chain, direct, runs, curvature_of)
        if json:
            from gradcli.render.jsonout import emit as emit_json

            emit_json(report)
        else:
            _show(report, runs, problem, table, plot)
        if picture is not None:
            _save(picture, problem, runs, report)
        return batch_code(run[side].status for run in runs for side in ("original", "mapped"))

    run(body)


def evaluate_gradient(problem, point):
    import numpy as np

    from gradcli.engine.compile import evaluate

    return evaluate(problem.value_and_gradient, np.asarray(point)[None, :])[0, 1:]


def _bounds(curvature_of, problem, points):
    found = []
    for point in points:
        c = curvature_of(problem, point) if point is not None else None
        found.append(None if c is None else {"eigenvalues": list(c.eigenvalues),
                                             "stability_bound": c.stability_bound})
    return found


def _report(problem, change, thetas, phis, chain, direct, runs, curvature_of) -> dict:
    """`thetas`, `phis`: the start and the first method's end in each system (the same two
    points of the surface, written in either coordinates)."""
    import numpy as np

    from gradcli.symbolic.printing import plain

    old = [str(v) for v in problem.variables]
    new = [str(v) for v in change.mapped.variables]
    theta0, phi0 = thetas[0], phis[0]
    at_start = _bounds(curvature_of, problem, [theta0]) + \
        _bounds(curvature_of, change.mapped, [phi0])
    at_end = _bounds(curvature_of, problem, [thetas[1]]) + \
        _bounds(curvature_of, change.mapped, [phis[1]])
    return {
        "name": problem.entry.name if problem.entry else None,
        "function": plain(problem.function), "variables": old,
        "map": {name: plain(p) for name, p in zip(old, change.psi, strict=True)},
        "mapped_function": plain(change.mapped.function), "new_variables": new,
        "start": theta0.tolist(), "mapped_start": phi0.tolist(),
        "chain_rule": {"jacobian_transpose_times_gradient": chain.tolist(),
                       "gradient_of_g": direct.tolist(),
                       "largest_difference": float(np.max(np.abs(chain - direct)))},
        "curvature": {"start": {"original": at_start[0], "mapped": at_start[1]},
                      "end": {"original": at_end[0], "mapped": at_end[1],
                              "point": None if thetas[1] is None else thetas[1].tolist()}},
        "results": [{
            "label": r["label"], "lr": r["lr"],
            "original": r["original"].to_dict(), "mapped": r["mapped"].to_dict(),
            "mapped_final_in_original": r["mapped_back"][-1].tolist(),
            "largest_path_distance": r["distance"]} for r in runs],
    }


def _show(report, runs, problem, table, plot) -> None:
    from rich.console import Group
    from rich.text import Text

    from gradcli.render.console import emit, output_width, plot_width, wants_colour
    from gradcli.render.fitted import Column, Num, dropped_note, fitted_table
    from gradcli.render.numbers import fmt_vector

    old, new = report["variables"], report["new_variables"]
    o, n = f"({', '.join(old)})", f"({', '.join(new)})"
    mapping = ", ".join(f"{k} = {v}" for k, v in report["map"].items())
    chain = report["chain_rule"]
    lines = [f"f{o} = {report['function']}",
             f"with {mapping}: g{n} = {report['mapped_function']}",
             f"start {o} = {fmt_vector(report['start'])}  ↔  {n} = "
             f"{fmt_vector(report['mapped_start'])}",
             "chain rule at the start: J_ψᵀ·∇f = "
             f"{fmt_vector(chain['jacobian_transpose_times_gradient'])}   ∇g = "
             f"{fmt_vector(chain['gradient_of_g'])}   (largest difference "
             f"{chain['largest_difference']:.1e})"]
    curves_rows = []
    for where in ("start", "end"):
        pair = [report["curvature"][where][side] for side in ("original", "mapped")]
        label = "start" if where == "start" else f"end of {runs[0]['label']}"
        curves_rows.append([f"eigenvalues of H ({label})",
                            *(Num(c["eigenvalues"], "v", 6) if c else "—" for c in pair)])
        curves_rows.append([f"2/λmax ({label})",
                            *(Num(c["stability_bound"], "g", 4) if c and c["stability_bound"]
                              else "—" for c in pair)])
    curves, hidden = fitted_table([Column("curvature", "left", keep=True),
                                   Column(f"in {o}", keep=True), Column(f"in {n}", keep=True)],
                                  curves_rows, output_width())
    summary_rows = []
    sentences = []
    for r in runs:
        a, b = r["original"], r["mapped"]
        summary_rows.append([r["label"], Num(r["lr"], "g", 6), str(a.status), str(a.iterations),
                             str(b.status), str(b.iterations), Num(r["distance"], "e", 4)])
        sentences.append(f"{r['label']} in {o}: {a.message}")
        sentences.append(f"{r['label']} in {n}: {b.message} Mapped back: {o} = "
                         f"{fmt_vector(r['mapped_back'][-1])}.")
    summary, dropped = fitted_table(
        [Column("method", "left", keep=True), Column("lr", rank=1),
         Column(f"status in {o}", "left", keep=True), Column("steps", rank=2),
         Column(f"status in {n}", "left", keep=True), Column("steps", rank=2),
         Column("largest distance between the paths", rank=3)], summary_rows, output_width())
    parts = [Text("\n".join(lines)), Text("")]
    if table:
        note = dropped_note(hidden + dropped)
        parts += [*curves.renderables, Text(""), *summary.renderables,
                  *([] if note is None else [note]), Text("")]
    parts.append(Text("\n".join(sentences)))
    emit(Group(*parts))
    if (plot if plot is not None else sys.stdout.isatty()) and len(problem.variables) == 2:
        from gradcli.explore.surface import map_box, surface_grid
        from gradcli.render.plots import surface_map

        paths = _paths(runs)
        import numpy as np

        width = plot_width()
        points = np.vstack([p for _, p in paths])
        grid = surface_grid(problem, map_box(points[np.isfinite(points).all(axis=1)], width, 22),
                            width, 22)
        sys.stdout.write("\n" + surface_map(grid, paths, width, 24, wants_colour(sys.stdout))
                         + "\n")


def _paths(runs) -> list:
    import numpy as np

    paths = []
    for r in runs:
        for label, points in ((f"{r['label']} (original)", r["original"].history.x),
                              (f"{r['label']} (new, mapped back)", r["mapped_back"])):
            kept = points[np.isfinite(points).all(axis=1)]
            if len(kept):
                paths.append((label, kept))
    return paths


def _save(picture, problem, runs, report) -> None:

    from gradcli.cli.pictures import scenery
    from gradcli.render import images

    paths = []
    for r in runs:
        a, back = r["original"], r["mapped_back"]
        for label, points, history in ((f"{r['label']} (original)", a.history.x, a.history),
                                       (f"{r['label']} (new, mapped back)", back,
                                        r["mapped"].history)):
            paths.append(images.Run(label, history.k, points, history.f, history.grad_norm))

    grid, line, minima = scenery(problem, paths)
    images.paths_figure(picture, reparam_title(report["variables"], report["map"]),
                        paths, grid, line, minima, report["variables"])


def reparam_title(variables, mapping: dict[str, str]) -> str:
    """`f(x, y) in two coordinate systems: x = u, y = 10*v` (names as a person writes them)."""
    return (f"f({', '.join(variables)}) in two coordinate systems: "
            + ", ".join(f"{old} = {formula}" for old, formula in mapping.items()))
