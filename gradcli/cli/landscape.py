"""`critical` and `taylor`: the shape of f around its stationary points and around a point."""

from __future__ import annotations

from typing import Annotated

import typer

from gradcli.cli.app import (
    Dim,
    Expression,
    Json,
    Variables,
    app,
    expression_text,
    run,
    whole_number,
)
from gradcli.cli.derivatives import Format, style_named
from gradcli.cli.options import is_large, point_option
from gradcli.cli.pictures import Figure, save_points, target_of

Box = Annotated[str | None, typer.Option(
    "--box", metavar="LOW:HIGH[,…]",
    help="The box to search: one LOW:HIGH for every variable, or one per variable "
         "(default: the library function's domain, else -5:5).", show_default=False)]


def function_heading(problem) -> str:
    """`himmelblau: f(x, y) = …`, the first line of every landscape view."""
    from gradcli.render.maths import compact

    named = f"{problem.entry.name}: " if problem.entry else ""
    return f"{named}f({', '.join(problem.names)}) = {compact(problem.function)}"


@app.command()
def critical(
    expr: Expression,
    box: Box = None,
    numeric: Annotated[bool, typer.Option(
        "--numeric", help="Skip SymPy's solver; search numerically only.")] = False,
    variables: Variables = None,
    dim: Dim = None,
    save: Figure = None,
    json: Json = False,
) -> None:
    """Every critical point in a box, classified.

    All real points where ∇f = 0, each classified by the Hessian as a minimum, maximum, saddle
    or degenerate point.

    Examples:

      gradcli critical himmelblau

      gradcli critical "x**3 - 3*x*y**2" --box -1:1 --json

      gradcli critical "sum((x[i] - i)**2, (i, 1, n))" --dim 3

      gradcli critical himmelblau --save critical.png
    """

    def body():
        from gradcli.boxes import parse_box
        from gradcli.engine.problem import Problem
        from gradcli.explore.critical_points import critical_points, default_box
        from gradcli.render import landscape as view
        from gradcli.symbolic.printing import plain

        target = target_of(save, still="critical")
        problem = written_out(Problem.resolve(expression_text(expr), variables, dim),
                              "critical searches every critical point", "hessian --at P to "
                              "classify one point")
        region = parse_box(box, len(problem.variables)) if box else default_box(problem)
        search = critical_points(problem, region, numeric)
        if target is not None:
            import numpy as np

            kinds = ("minimum", "maximum", "saddle", "degenerate")
            groups = [(kind, np.array([p.x for p in search.points if p.kind == kind])
                       .reshape(-1, len(problem.variables))) for kind in kinds]
            save_points(target, problem, region, groups,
                        f"critical points of {function_heading(problem)}", "∇f = 0")
        if json:
            from gradcli.render.jsonout import emit as emit_json

            emit_json(view.critical_json(search, problem.names, plain(problem.function),
                                         problem.entry.name if problem.entry else None))
        else:
            from gradcli.render.console import emit

            emit(view.critical_view(search, problem.names, function_heading(problem)))

    run(body)


@app.command()
def taylor(
    expr: Expression,
    at: Annotated[str, typer.Option(
        "--at", metavar="P", help="The point of expansion, e.g. 1,2.")],
    order: Annotated[int, typer.Option("--order", parser=whole_number,
                                       help="1 (linear) or 2 (quadratic).")] = 2,
    step: Annotated[list[str] | None, typer.Option(
        "--step", metavar="H",
        help="A displacement h to test the models on (repeat for several sizes); one number "
             "means the same in every coordinate.", show_default=False)] = None,
    variables: Variables = None,
    dim: Dim = None,
    style: Format = "compact",
    json: Json = False,
) -> None:
    """Taylor models at a point, and their errors.

    f(P) + ∇f·h, plus ½ hᵀHh at order 2; with --step, their errors against the true f(P + h):
    watch them shrink like ‖h‖² and ‖h‖³.

    Examples:

      gradcli taylor "exp(x)*sin(y)" --at 0,1 --step 0.1 --step 0.01 --step 0.001

      gradcli taylor rosenbrock --at 0,0 --order 1 --step 0.1,0.2 --json

      gradcli taylor sphere_nd --dim 2 --at 1 --step 0.1
    """

    def body():
        from gradcli.engine.problem import Problem
        from gradcli.errors import InputError
        from gradcli.explore.taylor import check, model
        from gradcli.points import parse_vector
        from gradcli.render import landscape as view
        from gradcli.symbolic.printing import plain

        if order not in (1, 2):
            raise InputError(f"--order must be 1 or 2, not {order}.")
        math_style = style_named(style)
        problem = written_out(Problem.resolve(expression_text(expr), variables, dim),
                              "taylor writes out every coordinate of its models",
                              "grad and hessian --at P for the first and second derivatives")
        n = len(problem.variables)
        point = point_option(problem, at, "--at")
        if len(step or []) > MAX_STEPS:
            raise InputError(f"{len(step)} --step values; the limit is {MAX_STEPS} (each is "
                             "evaluated exactly), give fewer.")
        steps = [_step(text, n, parse_vector) for text in step or []]
        if any(all(h == 0 for h in s) for s in steps):
            raise InputError("--step must not be zero; give a small displacement such as 0.1.")
        taylor_model = model(problem, point)
        checks = [check(problem, taylor_model, point, s) for s in steps]
        name = problem.entry.name if problem.entry else None
        if json:
            from gradcli.render.jsonout import emit as emit_json

            emit_json(view.taylor_json(taylor_model, checks, order, problem.names, point,
                                       plain(problem.function), name))
        else:
            from gradcli.render.console import emit

            emit(view.taylor_view(taylor_model, checks, order, problem.names, point, math_style,
                                  function_heading(problem)))

    run(body)


def written_out(problem, what: str, instead: str):
    """The problem, if it is written out with named coordinates; a large vector function is
    refused with what to use instead."""
    from gradcli.engine.problem import EXPAND_LIMIT
    from gradcli.errors import InputError

    if is_large(problem):
        raise InputError(f"{what}, so it takes functions of at most {EXPAND_LIMIT} coordinates; "
                         f"this one has {problem.size} (give a smaller --dim, or use {instead}).")
    return problem


MAX_STEPS = 100


def _step(text: str, n: int, parse_vector):
    values = parse_vector(text, "--step", None)
    if len(values) == 1:
        return values * n
    return parse_vector(text, "--step", n)
