"""Options shared by the stepping commands (`descend`, `compare`, `sweep`), and their checks."""

from __future__ import annotations

import math
from typing import Annotated

import typer

from gradcli.cli.app import whole_number
from gradcli.cli.completion import method_names
from gradcli.points import LARGEST_SETTING

DEFAULT_STEPS = 10_000
DEFAULT_TOL = 1e-8
DEFAULT_LR = 0.01


def check_positive(value: float | None, option: str, allow_zero: bool = False) -> None:
    """Learning rates and tolerances: finite, and positive (or zero where that means 'off')."""
    from gradcli.errors import InputError

    if value is None:
        return
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero) \
            or value > LARGEST_SETTING:
        wanted = "≥ 0" if allow_zero else "> 0"
        raise InputError(f"{option} must be a number {wanted} and at most 1e100, not {value:g}.")


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
    "newton: x ← x − α·(H + μI)⁻¹·g, μ > 0 only where H is not positive definite, α = η halved "
    "until f decreases enough (Armijo; --no-line-search: α = η, pure Newton; default η 1)"
)


Method = Annotated[str, typer.Option("--method", "-m", help=METHOD_HELP,
                                     autocompletion=method_names)]


def method_options(momentum, decay, beta1, beta2, eps) -> dict[str, float]:
    """The hyperparameters the user gave, by name (the method checks that they apply)."""
    given = {"momentum": momentum, "decay": decay, "beta1": beta1, "beta2": beta2, "eps": eps}
    return {name: value for name, value in given.items() if value is not None}


def transforms_from(noise, seed, accumulate, clip_norm, clip_value):
    from gradcli.engine.plan import Transforms
    from gradcli.errors import InputError

    for value, option in ((noise, "--noise"), (clip_norm, "--clip-norm"),
                          (clip_value, "--clip-value")):
        check_positive(value, option)
    if seed is not None and seed < 0:
        raise InputError(f"--seed must be a whole number ≥ 0, not {seed}.")
    return Transforms(noise, (seed or 0) if noise is not None else None, accumulate, clip_value,
                      clip_norm)


def default_rate(given: float | None, method: float | None, library: float | None) -> float:
    """The user's --lr; else the method's own (Newton: 1); else the library's; else 0.01."""
    for rate in (given, method, library):
        if rate is not None:
            return rate
    return DEFAULT_LR


def point_option(problem, text: str, option: str):
    """--start or --at for any function: numbers for named variables; for a vector function
    also one number, a repeated pattern (-1.2,1...) or a file (exact for a small n)."""
    from gradcli.points import parse_point, parse_vector

    if is_vector(problem):
        return parse_point(text, option, size(problem), exact=not is_large(problem))
    return parse_vector(text, option, len(problem.variables))


def start_point(problem, start: str | None):
    """The user's --start, else the library function's; an expression needs one."""
    import numpy as np

    from gradcli.errors import InputError

    if start is not None:
        return point_option(problem, start, "--start")
    if problem.entry is None:
        example = "1" if is_vector(problem) else ",".join(["1"] * len(problem.variables))
        raise InputError(f"--start is required for an expression; give one, e.g. --start "
                         f"{example}.")
    if is_large(problem):
        pattern = problem.entry.start
        return np.resize(np.array(pattern, dtype=float), problem.size)
    return problem.entry.start


def is_vector(problem) -> bool:
    """A function of vectors (written out for a small n, or a VectorProblem)."""
    return getattr(problem, "indexed", None) is not None or is_large(problem)


def is_large(problem) -> bool:
    """A VectorProblem: a vector function evaluated on slices, never written out."""
    from gradcli.engine.indexed import VectorProblem

    return isinstance(problem, VectorProblem)


def indexed_form(problem):
    """The VectorProblem of a vector function, also when it was written out for a small n."""
    from gradcli.engine.indexed import VectorProblem

    if is_large(problem):
        return problem
    return VectorProblem(problem.indexed, problem.dim, problem.entry)


def vector_point(problem, text: str, option: str):
    """--at/--dir/--start for a vector function as a float64 array."""
    import numpy as np

    from gradcli.points import parse_point

    return np.array([float(v) for v in parse_point(text, option, size(problem), exact=False)])


def size(problem) -> int:
    return problem.size if is_large(problem) else len(problem.variables)


def stop_rules(steps: int, tol: float, step_tol: float | None, f_tol: float | None):
    from gradcli.engine.loop import StopRules

    check_count(steps, "--steps")
    check_positive(tol, "--tol", allow_zero=True)
    check_positive(step_tol, "--step-tol", allow_zero=True)
    check_positive(f_tol, "--f-tol", allow_zero=True)
    return StopRules(steps, tol, step_tol, f_tol)


Start = Annotated[str | None, typer.Option(
    "--start", metavar="P",
    help="Starting point, e.g. 1,2 (in the variable order); a library function has one.",
    show_default=False)]
Rate = Annotated[float | None, typer.Option(
    "--lr", help=f"Learning rate η (step size); default: the method's (newton 1), else the "
                 f"library function's, else {DEFAULT_LR}.", show_default=False)]
Momentum = Annotated[float | None, typer.Option(
    "--momentum", help="momentum, nesterov: β in [0, 1) (default 0.9).", show_default=False)]
Decay = Annotated[float | None, typer.Option(
    "--decay", help="rmsprop: ρ in [0, 1) (default 0.99).", show_default=False)]
Beta1 = Annotated[float | None, typer.Option(
    "--beta1", help="adam: β₁ in [0, 1) (default 0.9).", show_default=False)]
Beta2 = Annotated[float | None, typer.Option(
    "--beta2", help="adam: β₂ in [0, 1) (default 0.999).", show_default=False)]
Eps = Annotated[float | None, typer.Option(
    "--eps", help="adam, rmsprop (default 1e-8), adagrad (default 1e-10): ε > 0.",
    show_default=False)]
Schedule = Annotated[str | None, typer.Option(
    "--schedule", metavar="SPEC", help="Learning-rate schedule: constant, step:F@N, exp:G, "
                                       "inv:D, cosine:T or cosine:T:W (warm-up W steps).",
    show_default=False)]
RecordEvery = Annotated[int | None, typer.Option(
    "--record-every", parser=whole_number, metavar="K",
    help="Record every K-th step (default: every step, thinned to between 1000 and 2000 rows "
         "per run for long runs; the first ten steps are always kept).", show_default=False)]
ClipNorm = Annotated[float | None, typer.Option(
    "--clip-norm", metavar="C", help="Rescale g to norm C when ‖g‖ > C (direction kept).",
    show_default=False)]
ClipValue = Annotated[float | None, typer.Option(
    "--clip-value", metavar="C", help="Clip each component of g to [−C, C].",
    show_default=False)]
Noise = Annotated[float | None, typer.Option(
    "--noise", metavar="σ", help="Add seeded Gaussian noise N(0, σ²I) to every gradient (a "
                                 "model of minibatch noise).", show_default=False)]
Accumulate = Annotated[bool, typer.Option(
    "--accumulate", help="Teaching: sum gradients across steps instead of resetting them (the "
                         "forgotten grad.zero_()).")]
Steps = Annotated[int, typer.Option("--steps", parser=whole_number, help="Most steps to take.")]
Tol = Annotated[float, typer.Option("--tol", help="Stop when ‖∇f‖ ≤ tol (0 turns it off).")]
StepTol = Annotated[float | None, typer.Option(
    "--step-tol", help="Also stop when a step is this short.")]
FTol = Annotated[float | None, typer.Option(
    "--f-tol", help="Also stop when f changes by ≤ f-tol·(1+|f|).")]
Table = Annotated[bool, typer.Option("--table/--no-table", help="Show the table.")]
Plot = Annotated[bool | None, typer.Option(
    "--plot/--no-plot", help="Show plots (default: on a terminal only).", show_default=False)]
