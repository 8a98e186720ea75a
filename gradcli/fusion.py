"""Compile a method's whole step — ∇f, ‖∇f‖², the update — into Python, twice over.

* `fuse_loop`: one run's entire loop over Python floats. For a single run NumPy's per-call
  overhead on arrays of two numbers would dwarf the arithmetic; this loop runs within a small
  factor of a hand-written one.
* `fuse_step`: one step of a batch, on one NumPy array per variable (contiguous columns, as a
  hand-vectorised loop would hold them), returning ‖∇f‖² for the engine's stopping tests.

Both are generated from the same pieces: the SymPy tree the safe parser built (common
subexpressions eliminated once) and the method's rule text from `optimizers` — never from user
text — so the two engines cannot disagree about what a method does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

import sympy as sp

from gradcli.compile import build, eliminate_common, numpy_printer, positional, python_printer
from gradcli.engine import GRADIENT_LIMIT_SQUARED, PROGRESS_EVERY, StopRules
from gradcli.optimizers import Rule

_NAME = re.compile(r"\b[A-Za-z_]\w*\b")


def _pack(names: Sequence[str]) -> str:
    return "(" + "".join(f"{name}, " for name in names) + ")"


def _kernel(gradient: Sequence[sp.Expr], variables: Sequence[sp.Symbol],
            function: sp.Expr | None, printer, arrays: bool) -> list[str]:
    """Lines computing f (as `fv`, when given), ∇f (as g0, g1, …) and ‖∇f‖² (as `gg`) at a0, a1, ….

    `gg` turns NaN where f is undefined, so one test catches both failures. With `arrays`, a
    constant entry (∇(2x) = 2) is spread to a full array so that every output has the batch's
    shape.
    """
    exprs = ([function] if function is not None else []) + list(gradient)
    renamed, _ = positional(exprs, variables)
    temporaries, reduced = eliminate_common(renamed, thorough=True)

    def code(expr: sp.Expr) -> str:
        text = printer.doprint(expr)
        return f"numpy.full(a0.shape, float({text}))" if arrays and expr.is_number else text

    lines = [f"{symbol} = {printer.doprint(value)}" for symbol, value in temporaries]
    if function is not None:
        lines.append(f"fv = {code(reduced[0])}")
    offset = 1 if function is not None else 0
    n = len(variables)
    lines += [f"g{i} = {code(reduced[offset + i])}" for i in range(n)]
    lines.append("gg = " + " + ".join(f"g{i}*g{i}" for i in range(n))
                 + (" + 0.0*fv" if function is not None else ""))
    return lines


class _Update(NamedTuple):
    lines: list[str]  # compute n_x0, n_x1, … and the new state n_NAME0, …
    point: list[str]  # new point names
    state: list[str]  # new state names, rule.state order, coordinate-major within each


def _update(rule: Rule, n: int, sqrt: str, step_number: str) -> _Update:
    """The rule's assignments written out per coordinate (x → a_i, g → g_i, state v → s_v_i)."""
    latest = {name: f"s_{name}" for name in rule.state}
    lines = []
    for name, expression in rule.assignments:
        for i in range(n):
            names = {"x": f"a{i}", "g": f"g{i}", "t": step_number, "sqrt": sqrt,
                     **{state: f"{latest[state]}{i}" for state in rule.state}}
            text = _NAME.sub(lambda match, names=names: names.get(match.group(0), match.group(0)),
                             expression)
            lines.append(f"n_{name}{i} = {text}")
        latest[name] = f"n_{name}"
    point = [f"{latest['x']}{i}" for i in range(n)]
    state = [f"{latest[name]}{i}" for name in rule.state for i in range(n)]
    return _Update(lines, point, state)


def _hyperparameters(rule: Rule, params: Mapping[str, float]) -> str:
    values = {**rule.defaults, **params}
    return "".join(f", {name}={float(values[name])!r}" for name in rule.defaults)


def loop_source(gradient: Sequence[sp.Expr], variables: Sequence[sp.Symbol], rule: Rule,
                params: Mapping[str, float], stop: StopRules, function: sp.Expr | None,
                progress: bool) -> str:
    """The single-run loop. `function` is inlined only when needed: for the f-change tolerance,
    or to notice f leaving its domain where ∇f stays finite (see `gradient_hides_domain`)."""
    n = len(variables)
    point = [f"a{i}" for i in range(n)]
    before = [f"p{i}" for i in range(n)]
    state = [f"s_{name}{i}" for name in rule.state for i in range(n)]
    where = f"k, {_pack(point)}, {_pack(before)}"
    update = _update(rule, n, "math.sqrt", "(k + 1)")
    loop = _kernel(gradient, variables, function, python_printer(), arrays=False) + [
        f"if not gg <= {GRADIENT_LIMIT_SQUARED!r}:",
        f"    return 'nonfinite', {where}",
        "if k == due:",
        f"    due = record(k, {_pack(point)}, {_pack(before)})",
        "if gg <= tol2:",
        f"    return 'gradient', {where}",
    ]
    if stop.f_tol is not None:
        loop += [f"if abs(fv - f_last) <= {stop.f_tol!r} * (1 + abs(fv)):",
                 f"    return 'value', {where}",
                 "f_last = fv"]
    loop += ["if k == steps:", f"    return 'max_steps', {where}"]
    if progress:
        loop += [f"if not k % {PROGRESS_EVERY}:", "    progress(k)"]
    loop += update.lines
    if stop.step_tol is not None:
        loop.append("d2 = " + " + ".join(f"({new} - a{i})**2"
                                         for i, new in enumerate(update.point)))
    # One assignment, so Ctrl-C can never leave the point half-updated.
    loop.append(f"{_pack(before + point + state)} = "
                f"{_pack(point + update.point + update.state)}")
    loop.append("k += 1")
    if stop.step_tol is not None:
        loop += [f"if d2 <= {stop.step_tol**2!r}:", f"    return 'step', {where}"]
    signature = f"start, lr, steps, tol2, record, progress{_hyperparameters(rule, params)}"
    lines = [f"def fused({signature}):",
             f"    {_pack(point)} = start",
             f"    {_pack(before)} = start",
             "    k = due = 0",
             "    f_last = math.inf"]
    lines += [f"    {name} = 0.0" for name in state]
    lines += ["    try:", "        while True:"] + [f"            {line}" for line in loop]
    lines += ["    except KeyboardInterrupt:", f"        return 'interrupted', {where}",
              "    except (ArithmeticError, ValueError):", f"        return 'nonfinite', {where}"]
    return "\n".join(lines) + "\n"


def step_source(gradient: Sequence[sp.Expr], variables: Sequence[sp.Symbol], rule: Rule,
                params: Mapping[str, float], function: sp.Expr | None) -> str:
    """One batch step: step(x, state, lr, t) -> (‖∇f‖², f or None, new x, new state), where x
    and state are tuples of 1-D arrays (one per coordinate)."""
    n = len(variables)
    point = [f"a{i}" for i in range(n)]
    state = [f"s_{name}{i}" for name in rule.state for i in range(n)]
    update = _update(rule, n, "numpy.sqrt", "t")
    body = [f"{_pack(point)} = x", f"{_pack(state)} = state"]
    body += _kernel(gradient, variables, function, numpy_printer(), arrays=True) + update.lines
    value = "fv" if function is not None else "None"
    body.append(f"return gg, {value}, {_pack(update.point)}, {_pack(update.state)}")
    return (f"def step(x, state, lr, t{_hyperparameters(rule, params)}):\n"
            + "".join(f"    {line}\n" for line in body))


def fuse_loop(gradient: Sequence[sp.Expr], variables: Sequence[sp.Symbol], rule: Rule,
              params: Mapping[str, float], stop: StopRules, function: sp.Expr | None,
              progress: bool) -> Callable:
    return build(loop_source(gradient, variables, rule, params, stop, function, progress),
                 "fused")


def fuse_step(gradient: Sequence[sp.Expr], variables: Sequence[sp.Symbol], rule: Rule,
              params: Mapping[str, float], function: sp.Expr | None) -> Callable:
    return build(step_source(gradient, variables, rule, params, function), "step")
