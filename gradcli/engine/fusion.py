"""Compile a method's whole step — ∇f, ‖∇f‖², schedule, gradient transforms, update — twice over.

* `fuse_loop`: one run's entire loop over Python floats. For a single run NumPy's per-call
  overhead on arrays of two numbers would dwarf the arithmetic; this loop runs within a small
  factor of a hand-written one.
* `fuse_step`: one step of a batch, on one NumPy array per variable (contiguous columns, as a
  hand-vectorised loop would hold them).

Both are generated from the same pieces: the SymPy tree the safe parser built (common
subexpressions eliminated once), the method's rule text from `optimizers`, the schedule's
multiplier from `schedules` — never from user text — so the two engines cannot disagree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import NamedTuple

from gradcli.engine.compile import build, numpy_printer, python_printer
from gradcli.engine.loop import GRADIENT_LIMIT_SQUARED, PROGRESS_EVERY, StopRules
from gradcli.engine.plan import Plan
from gradcli.engine.problem import Problem

_NAME = re.compile(r"\b[A-Za-z_]\w*\b")


def _pack(names: Sequence[str]) -> str:
    return "(" + "".join(f"{name}, " for name in names) + ")"


def _kernel(problem: Problem, with_function: bool, printer, arrays: bool) -> list[str]:
    """Lines computing f (as `fv`, when asked), ∇f (as g0, g1, …) and ‖∇f‖² (as `gg`) at a0, a1, ….

    `gg` turns NaN where f is undefined, so one test catches both failures. With `arrays`, a
    constant entry (∇(2x) = 2) is spread to a full array so every output has the batch's shape.
    """
    temporaries, reduced = problem.kernel(with_function)

    def code(expr) -> str:
        text = printer.doprint(expr)
        return f"numpy.full(a0.shape, float({text}))" if arrays and expr.is_number else text

    lines = [f"{symbol} = {printer.doprint(value)}" for symbol, value in temporaries]
    if with_function:
        lines.append(f"fv = {code(reduced[0])}")
    offset = 1 if with_function else 0
    n = len(problem.variables)
    lines += [f"g{i} = {code(reduced[offset + i])}" for i in range(n)]
    lines.append("gg = " + " + ".join(f"g{i}*g{i}" for i in range(n))
                 + (" + 0.0*fv" if with_function else ""))
    return lines


def _state_names(plan: Plan) -> list[str]:
    """The per-coordinate state: the rule's, then the accumulated gradient."""
    return [*plan.rule.state, *(["acc"] if plan.transforms.accumulate else [])]


def _transforms(plan: Plan, n: int, arrays: bool) -> list[str]:
    """Noise, accumulation and clipping of g0, g1, …; `clip` says whether this step clipped."""
    t = plan.transforms
    lines = []
    if t.noise is not None:  # only the batch step draws noise (from the engine's seeded stream)
        lines += [f"g{i} = g{i} + {t.noise!r}*noise[{i}]" for i in range(n)]
    if t.accumulate:
        lines += [f"n_acc{i} = s_acc{i} + g{i}" for i in range(n)]
        lines += [f"g{i} = n_acc{i}" for i in range(n)]
    lines.append("clip = False")  # a plain bool until a clip says otherwise (cheap to carry)
    either = "|" if arrays else "or"
    if t.clip_value is not None:
        c = t.clip_value
        lines += [f"h{i} = numpy.clip(g{i}, {-c!r}, {c!r})" if arrays
                  else f"h{i} = min(max(g{i}, {-c!r}), {c!r})" for i in range(n)]
        lines.append(f"clip = clip {either} " + f" {either} ".join(f"(h{i} != g{i})"
                                                                 for i in range(n)))
        lines += [f"g{i} = h{i}" for i in range(n)]
    if t.clip_norm is not None:
        c, limit = t.clip_norm, t.clip_norm**2
        lines.append("cn = " + " + ".join(f"g{i}*g{i}" for i in range(n)))
        if arrays:
            lines += [f"over = cn > {limit!r}",
                      f"sc = numpy.where(over, {c!r}/numpy.sqrt(cn), 1.0)"]
        else:
            lines += [f"over = cn > {limit!r}", f"sc = {c!r}/math.sqrt(cn) if over else 1.0"]
        lines.append(f"clip = clip {either} over")
        lines += [f"g{i} = g{i}*sc" for i in range(n)]
    return lines


class _Update(NamedTuple):
    lines: list[str]  # compute n_x0, n_x1, … and the new state
    point: list[str]  # new point names
    state: list[str]  # new state names, in _state_names order, coordinate-major within each


def _update(plan: Plan, n: int, sqrt: str, step_number: str) -> _Update:
    """The rule's assignments written out per coordinate (x → a_i, g → g_i, state v → s_v_i)."""
    rule = plan.rule
    latest = {name: f"s_{name}" for name in rule.state}
    lines = []
    for name, expression in rule.assignments:
        for i in range(n):
            names = {"x": f"a{i}", "g": f"g{i}", "t": step_number, "sqrt": sqrt, "lr": "eta",
                     **{state: f"{latest[state]}{i}" for state in rule.state}}
            text = _NAME.sub(lambda match, names=names: names.get(match.group(0), match.group(0)),
                             expression)
            lines.append(f"n_{name}{i} = {text}")
        latest[name] = f"n_{name}"
    if plan.transforms.accumulate:
        latest["acc"] = "n_acc"
    point = [f"{latest['x']}{i}" for i in range(n)]
    state = [f"{latest[name]}{i}" for name in _state_names(plan) for i in range(n)]
    return _Update(lines, point, state)


def _hyperparameters(plan: Plan) -> str:
    return "".join(f", {name}={float(value)!r}" for name, value in plan.params.items())


def _rate(plan: Plan) -> list[str]:
    """This step's learning rate from the schedule's multiplier (in the 0-based step k)."""
    return ["eta = lr" if plan.schedule.constant else f"eta = lr*({plan.schedule.multiplier})"]


INTERRUPT_EVERY = 4096  # steps of a fused scalar loop between looks at the Ctrl-C flag (~1 ms)


def loop_source(problem: Problem, plan: Plan, stop: StopRules, with_function: bool,
                progress: bool) -> str:
    """The single-run loop. f is inlined only when needed: for the f-change tolerance, or to
    notice f leaving its domain where ∇f stays finite (see `gradient_hides_domain`)."""
    n = len(problem.variables)
    point = [f"a{i}" for i in range(n)]
    before = [f"p{i}" for i in range(n)]
    state = [f"s_{name}{i}" for name in _state_names(plan) for i in range(n)]
    where = f"k, {_pack(point)}, {_pack(before)}, (r_prev, c_prev), marked"
    update = _update(plan, n, "math.sqrt", "(k + 1)")
    loop = _kernel(problem, with_function, python_printer(), arrays=False) + [
        f"if not gg <= {GRADIENT_LIMIT_SQUARED!r}:",
        f"    return 'nonfinite', {where}",
        "if k == due:",
        f"    due = record(k, {_pack(point)}, {_pack(before)}, (r_prev, c_prev))",
        "if gg <= tol2:",
        f"    return 'gradient', {where}",
    ]
    if stop.f_tol is not None:
        loop += [f"if abs(fv - f_last) <= {stop.f_tol!r} * (1 + abs(fv)):",
                 f"    return 'value', {where}",
                 "f_last = fv"]
    # The step limit's comparison also checks the Ctrl-C flag (interrupts.flag) every
    # INTERRUPT_EVERY steps, between two whole steps: no test is added to the step itself.
    loop += ["if k == check:",
             "    if k == steps:",
             f"        return 'max_steps', {where}",
             "    if interrupted[0]:",
             "        interrupted[0] = 0",
             f"        return 'interrupted', {where}",
             f"    check = min(steps, k + {INTERRUPT_EVERY})"]
    if progress:
        loop += [f"if not k % {PROGRESS_EVERY}:", "    progress(k)"]
    loop += _rate(plan) + _transforms(plan, n, arrays=False) + update.lines
    if stop.step_tol is not None:
        loop.append("d2 = " + " + ".join(f"({new} - a{i})**2"
                                         for i, new in enumerate(update.point)))
    # One assignment, so Ctrl-C can never leave the point half-updated.
    loop.append(f"{_pack([*before, *point, *state, 'r_prev', 'c_prev'])} = "
                f"{_pack([*point, *update.point, *update.state, 'eta', 'clip'])}")
    loop.append("k += 1")
    if plan.transforms.clipping:
        loop.append("marked += clip")
    if stop.step_tol is not None:
        loop += [f"if d2 <= {stop.step_tol**2!r}:", f"    return 'step', {where}"]
    signature = f"start, lr, steps, tol2, record, progress{_hyperparameters(plan)}"
    lines = [f"def fused({signature}):",
             f"    {_pack(point)} = start",
             f"    {_pack(before)} = start",
             "    k = due = 0",
             f"    check = min(steps, {INTERRUPT_EVERY})",
             "    f_last = math.inf",
             "    r_prev, c_prev, marked = math.nan, False, 0"]
    lines += [f"    {name} = 0.0" for name in state]
    lines += ["    try:", "        while True:"] + [f"            {line}" for line in loop]
    lines += ["    except KeyboardInterrupt:", f"        return 'interrupted', {where}",
              "    except (ArithmeticError, ValueError, TypeError):",  # TypeError: a complex power
              f"        return 'nonfinite', {where}"]
    return "\n".join(lines) + "\n"


def step_source(problem: Problem, plan: Plan, with_function: bool) -> str:
    """One batch step with the engine's contract (see `loop.run_batch`)."""
    n = len(problem.variables)
    point = [f"a{i}" for i in range(n)]
    state = [f"s_{name}{i}" for name in _state_names(plan) for i in range(n)]
    update = _update(plan, n, "numpy.sqrt", "t")
    body = [f"{_pack(point)} = x", f"{_pack(state)} = state", "k = t - 1"]
    body += _kernel(problem, with_function, numpy_printer(), arrays=True)
    body += _rate(plan) + _transforms(plan, n, arrays=True) + update.lines
    value = "fv" if with_function else "None"
    body.append(f"return gg, {value}, {_pack(update.point)}, {_pack(update.state)}, eta, clip, 1")
    return (f"def step(x, state, lr, t, noise, active{_hyperparameters(plan)}):\n"
            + "".join(f"    {line}\n" for line in body))


def _bias_correction(betas: set[tuple[float, float]]) -> list[str]:
    """q1, q2: 1 − βᵗ where a run is bias-corrected, else 1, each power taken on Python floats
    exactly as the Adam rule takes it (NumPy's array power may round differently)."""
    if not betas:
        return ["q1 = q2 = 1.0"]
    if len(betas) == 1:
        ((beta1, beta2),) = betas
        return [f"q1 = numpy.where(bias, 1 - {beta1!r}**t, 1.0)",
                f"q2 = numpy.where(bias, 1 - {beta2!r}**t, 1.0)"]
    return ["q1 = numpy.where(bias, [1 - b**t for b in beta1s], 1.0)",
            "q2 = numpy.where(bias, [1 - b**t for b in beta2s], 1.0)"]


def common_step_source(problem: Problem, plan: Plan, with_function: bool,
                       betas: set[tuple[float, float]]) -> str:
    """One batch step for runs of different elementwise methods: the common update of
    `optimizers.Coefficients`, its coefficients one array entry per run (passed as `co`).

    `plan` supplies the schedule shared by every run; `betas` are the bias-corrected runs'
    (β₁, β₂); transforms are not supported here.
    """
    n = len(problem.variables)
    point = [f"a{i}" for i in range(n)]
    state = [f"m{i}" for i in range(n)] + [f"v{i}" for i in range(n)]
    body = [f"{_pack(point)} = x", f"{_pack(state)} = state", "k = t - 1",
            "b1, c1, b2, c2, ca, cb, cd, ce, bias, beta1s, beta2s = co"]
    body += _kernel(problem, with_function, numpy_printer(), arrays=True) + _rate(plan)
    body += _bias_correction(betas)
    for i in range(n):
        body += [f"n_m{i} = b1*m{i} + c1*g{i}",
                 f"n_v{i} = b2*v{i} + c2*g{i}*g{i}",
                 f"n_x{i} = a{i} - eta*(ca*g{i} + cb*(n_m{i}/q1))/(cd*numpy.sqrt(n_v{i}/q2) + ce)"]
    value = "fv" if with_function else "None"
    new_state = [f"n_m{i}" for i in range(n)] + [f"n_v{i}" for i in range(n)]
    body.append(f"return gg, {value}, {_pack([f'n_x{i}' for i in range(n)])}, "
                f"{_pack(new_state)}, eta, False, 1")
    return "def step(x, state, lr, t, noise, active, co):\n" + "".join(
        f"    {line}\n" for line in body)


def fuse_common_step(problem: Problem, plans: Sequence[Plan], with_function: bool) -> Callable:
    """The common step with each run's coefficients bound in (one entry per plan)."""
    import numpy as np

    rows = [plan.rule.common(plan.params) for plan in plans]
    co = tuple(np.array(column, dtype=bool if name == "bias" else float)
               for name, column in zip(rows[0]._fields, zip(*rows, strict=True), strict=True))
    co += (tuple(row.beta1 for row in rows), tuple(row.beta2 for row in rows))
    betas = {(row.beta1, row.beta2) for row in rows if row.bias}
    step = build(common_step_source(problem, plans[0], with_function, betas), "step")
    return lambda x, state, lr, t, noise, active: step(x, state, lr, t, noise, active, co)


def state_size(plan: Plan, n: int) -> int:
    return len(_state_names(plan)) * n


def fuse_loop(problem: Problem, plan: Plan, stop: StopRules, with_function: bool,
              progress: bool) -> Callable:
    return build(loop_source(problem, plan, stop, with_function, progress), "fused")


def fuse_step(problem: Problem, plan: Plan, with_function: bool) -> Callable:
    return build(step_source(problem, plan, with_function), "step")


def array_update_source(plan: Plan) -> str:
    """The rule as one function over whole arrays (a vector run: x, g and state are (B, N)).

    The rule text is elementwise, so it applies to arrays unchanged; only the names move.
    """
    rule = plan.rule
    latest = {name: f"s_{name}" for name in rule.state}
    lines = [f"({''.join(f's_{name}, ' for name in rule.state)}) = state"]
    for name, expression in rule.assignments:
        names = {"x": "x", "g": "g", "t": "t", "sqrt": "numpy.sqrt", "lr": "eta", **latest}
        text = _NAME.sub(lambda match, names=names: names.get(match.group(0), match.group(0)),
                         expression)
        lines.append(f"n_{name} = {text}")
        latest[name] = f"n_{name}"
    state = "".join(f"{latest[name]}, " for name in rule.state)
    lines.append(f"return {latest['x']}, ({state})")
    return (f"def update(x, g, eta, t, state{_hyperparameters(plan)}):\n"
            + "".join(f"    {line}\n" for line in lines))


def fuse_array_update(plan: Plan) -> Callable:
    return build(array_update_source(plan), "update")
