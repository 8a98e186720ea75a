"""`grad`, `hessian`, `jacobian`: exact derivatives, and their values at a point."""

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
    expression_text,
    run,
)
from gradcli.cli.options import indexed_form, is_vector, vector_point

At = Annotated[str | None, typer.Option(
    "--at", metavar="P", help="Evaluate at this point, e.g. 1,2 (in the variable order).")]
Format = Annotated[str, typer.Option(
    "--format", metavar="STYLE",
    help="How to write maths: compact (x²·y), plain (x**2*y), pretty (2-D) or latex.")]


def style_named(name: str):
    from gradcli.errors import InputError
    from gradcli.render.maths import MathFormat

    try:
        return MathFormat(name)
    except ValueError:
        raise InputError(
            f"--format must be compact, plain, pretty or latex, not '{name}'.") from None


def named(problem, payload: dict) -> dict:
    """JSON for a library function starts with its name."""
    return {"name": problem.entry.name, **payload} if problem.entry else payload


def _title(problem) -> str | None:
    return f"{problem.entry.name}: {problem.entry.title}" if problem.entry else None


def _print(renderable) -> None:
    from gradcli.render.console import emit

    emit(renderable)


@app.command()
def grad(
    expr: Expression,
    at: At = None,
    direction: Annotated[str | None, typer.Option(
        "--dir", metavar="U", help="Also the directional derivative along U (normalised).")] = None,
    check: Annotated[bool, typer.Option(
        "--check", help="Compare ∇f(P) with central finite differences.")] = False,
    explain: Annotated[bool, typer.Option(
        "--explain", help="With --at: each partial derivative with the point's numbers "
                          "written in, and the norm worked out.")] = False,
    variables: Variables = None,
    dim: Dim = None,
    style: Format = "compact",
    json: Json = False,
) -> None:
    """The exact gradient, and its meaning at a point.

    Symbolic ∇f; with --at, f, ∇f, ‖∇f‖ and the steepest directions there.

    Examples:

      gradcli grad "x**2*y + sin(z)" --at 1,2,0

      gradcli grad "x**2+y**2" --at 1,2 --dir 1,1 --check --json

      gradcli grad "x**2*y" --at 1,2 --explain

      gradcli grad rosenbrock_nd --dim 1000000 --at -1.2,1... --check
    """

    def body():
        from gradcli.engine.problem import Problem
        from gradcli.errors import InputError
        from gradcli.explore.at_point import gradient_at
        from gradcli.points import parse_vector
        from gradcli.render import derivatives as view
        from gradcli.render.jsonout import emit

        problem = Problem.resolve(expression_text(expr), variables, dim)
        math_style = style_named(style)
        if at is None and (direction is not None or check or explain):
            example = "1" if is_vector(problem) else ",".join(["1"] * len(problem.variables))
            raise InputError("--dir, --check and --explain need a point; add --at, e.g. "
                             f"--at {example}.")
        if is_vector(problem) and explain:
            raise InputError("--explain works out the partial derivatives of a function of a "
                             "few variables, not of a vector function.")
        if is_vector(problem):
            return _vector_gradient(problem, at, direction, check, json, math_style)
        n = len(problem.variables)
        point = parse_vector(at, "--at", n) if at is not None else None
        u = parse_vector(direction, "--dir", n) if direction is not None else None
        gradient = problem.gradient
        report = gradient_at(problem, point, u, check) if point is not None else None
        worked = None
        if explain:
            from gradcli.render.explain import partials

            worked = partials(problem, point, report)
        if json:
            payload = view.gradient_json(problem.function, problem.names, gradient, report)
            emit(named(problem, payload | ({"explain": worked.data} if worked else {})))
        else:
            _print(view.gradient_view(problem.function, problem.names, gradient, report,
                                      math_style, _title(problem)))
            if worked:
                from gradcli.render.console import output_width
                from gradcli.render.explain import fitted

                sys.stdout.write("\n" + fitted(worked.text, output_width()))

    run(body)


@app.command()
def hessian(
    expr: Expression,
    at: At = None,
    variables: Variables = None,
    dim: Dim = None,
    style: Format = "compact",
    json: Json = False,
) -> None:
    """The exact Hessian, and the curvature at a point.

    Second derivatives; with --at, eigenvalues, definiteness, condition number and 2/λmax.

    Examples:

      gradcli hessian "x**2 - y**2" --at 0,0

      gradcli hessian "x**2 + 100*y**2" --at 1,1 --json

      gradcli hessian "sum(x[i]**4 - x[i]*x[i+1], (i, 1, n-1))" --dim 100000 --at 1
    """

    def body():
        from gradcli.engine.problem import Problem
        from gradcli.explore.at_point import hessian_at
        from gradcli.points import parse_vector
        from gradcli.render import derivatives as view
        from gradcli.render.jsonout import emit

        problem = Problem.resolve(expression_text(expr), variables, dim)
        math_style = style_named(style)
        if is_vector(problem):
            return _vector_hessian(problem, at, json, math_style)
        point = parse_vector(at, "--at", len(problem.variables)) if at is not None else None
        matrix = problem.hessian
        report = hessian_at(problem, point) if point is not None else None
        if json:
            emit(named(problem, view.hessian_json(problem.function, problem.names, matrix, report)))
        else:
            _print(view.hessian_view(problem.function, problem.names, matrix, report, math_style,
                                     _title(problem)))

    run(body)


def _written_out(parsed, components, variables, dim):
    """Components with vectors, written out for a small n (a Jacobian is n columns wide)."""
    from gradcli.engine.problem import EXPAND_LIMIT
    from gradcli.errors import InputError
    from gradcli.symbolic.indexed import written_out

    vectors = sorted({v for p in parsed for v in p.vectors})
    if not vectors:
        raise InputError("--dim sets the length of vectors such as x[i]; these components "
                         "have named variables only.")
    if dim is None:
        raise InputError(f"the components use the vector {vectors[0]}; give its length with "
                         "--dim N.")
    if variables is not None:
        raise InputError("--vars orders named variables; with vectors the coordinates are the "
                         "scalars (in name order), then each vector.")
    names = sorted({n for p in parsed for n in p.names})
    return written_out(components, names, vectors, dim, EXPAND_LIMIT)


def _vector_gradient(problem, at, direction, check, json, math_style) -> None:
    from gradcli.explore.vector_point import vector_gradient_at
    from gradcli.render import vectors as view
    from gradcli.render.jsonout import emit

    vectors = indexed_form(problem)
    report = None
    if at is not None:
        u = vector_point(problem, direction, "--dir") if direction is not None else None
        report = vector_gradient_at(vectors, vector_point(problem, at, "--at"), u, check)
    if json:
        emit(named(problem, view.gradient_json(vectors, report)))
    else:
        _print(view.gradient_view(vectors, report, math_style, _title(problem)))


def _vector_hessian(problem, at, json, math_style) -> None:
    from gradcli.explore.vector_point import vector_curvature_at
    from gradcli.render import vectors as view
    from gradcli.render.jsonout import emit

    vectors = indexed_form(problem)
    report = None if at is None else vector_curvature_at(vectors, vector_point(problem, at,
                                                                                "--at"))
    if json:
        emit(named(problem, view.hessian_json(vectors, report)))
    else:
        _print(view.hessian_view(vectors, report, math_style, _title(problem)))


def _expression_or_name(text: str) -> str:
    from gradcli import library

    entry = library.find_for_expression(text.strip())
    return entry.expression if entry else text


@app.command()
def jacobian(
    exprs: Annotated[list[str], typer.Argument(
        metavar="EXPR...", help="Components 'f1, f2, …' in one argument, or one per argument.",
        show_default=False)],
    at: At = None,
    variables: Variables = None,
    dim: Dim = None,
    style: Format = "compact",
    json: Json = False,
) -> None:
    """The Jacobian of a vector-valued function.

    Row i is the gradient of component i.

    Examples:

      gradcli jacobian "r*cos(t), r*sin(t)" --vars r,t --at 2,0

      gradcli jacobian "x*y" "x+y" "x**2" --json

      gradcli jacobian "x[1]*x[2], sum(x[i]**2, (i, 1, n))" --dim 2 --at 1,2
    """

    def body():
        from gradcli.explore.at_point import jacobian_at
        from gradcli.points import parse_vector
        from gradcli.render import derivatives as view
        from gradcli.render.jsonout import emit
        from gradcli.symbolic import calculus
        from gradcli.symbolic.parsing import order_variables, parse

        parsed = [parse(_expression_or_name(expression_text(text)), several=True)
                  for text in exprs]
        components = tuple(c for p in parsed for c in p.components)
        if any(p.vectors for p in parsed) or dim is not None:
            components, ordered = _written_out(parsed, components, variables, dim)
        else:
            ordered = order_variables((name for p in parsed for name in p.names), variables)
        names = tuple(str(v) for v in ordered)
        math_style = style_named(style)
        point = parse_vector(at, "--at", len(ordered)) if at is not None else None
        matrix = calculus.jacobian(components, ordered)
        report = jacobian_at(components, matrix, ordered, point) if point is not None else None
        if json:
            emit(view.jacobian_json(components, names, matrix, report))
        else:
            _print(view.jacobian_view(components, names, matrix, report, math_style))

    run(body)
