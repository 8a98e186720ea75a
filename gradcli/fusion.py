"""One run's whole loop compiled to scalar Python: ∇f, the stopping tests and the update inline.

For a single run, NumPy's per-call overhead on arrays of two numbers dwarfs the arithmetic; a
generated loop over Python floats with common subexpressions eliminated runs within a small factor
of a hand-written loop. The code is generated from the SymPy tree the safe parser built and from
gradcli's own update rules, never from user text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

import sympy as sp

from gradcli.compile import build, eliminate_common, positional, python_printer
from gradcli.engine import GRADIENT_LIMIT_SQUARED, PROGRESS_EVERY, StopRules
from gradcli.optimizers import Rule

_NAME = re.compile(r"\b[A-Za-z_]\w*\b")


def _per_coordinate(expression: str, names: Mapping[str, str]) -> str:
    return _NAME.sub(lambda match: names.get(match.group(0), match.group(0)), expression)


def _pack(names: Sequence[str]) -> str:
    return "(" + "".join(f"{name}, " for name in names) + ")"


def fused_source(gradient: Sequence[sp.Expr], variables: Sequence[sp.Symbol], rule: Rule,
                 params: Mapping[str, float], stop: StopRules, function: sp.Expr | None,
                 progress: bool) -> str:
    """The loop's source. `function` is inlined only when needed: for the f-change tolerance, or
    to notice f leaving its domain where ∇f stays finite (see `gradient_hides_domain`)."""
    n = len(variables)
    exprs = ([function] if function is not None else []) + list(gradient)
    renamed, _ = positional(exprs, variables)
    temporaries, reduced = eliminate_common(renamed)
    printer = python_printer()
    point = [f"a{i}" for i in range(n)]
    before = [f"p{i}" for i in range(n)]
    values = {**rule.defaults, **params}
    arguments = "".join(f", {name}={float(values[name])!r}" for name in rule.defaults)
    out = [f"def fused(start, lr, steps, tol2, record, progress{arguments}):",
           f"    {_pack(point)} = start",
           f"    {_pack(before)} = start",
           "    k = due = 0",
           "    f_last = math.inf"]
    out += [f"    s_{name}{i} = 0.0" for name in rule.state for i in range(n)]
    where = f"k, {_pack(point)}, {_pack(before)}"
    loop = [f"{symbol} = {printer.doprint(value)}" for symbol, value in temporaries]
    offset = 1 if function is not None else 0
    if function is not None:
        loop.append(f"fv = {printer.doprint(reduced[0])}")
    loop += [f"g{i} = {printer.doprint(reduced[offset + i])}" for i in range(n)]
    loop += [
        "gg = " + " + ".join(f"g{i}*g{i}" for i in range(n))
        + (" + 0.0*fv" if function is not None else ""),  # NaN when f is undefined
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
    latest = {f"{name}": f"s_{name}" for name in rule.state}
    new_names: list[tuple[str, str]] = []
    for name, expression in rule.assignments:
        for i in range(n):
            names = {"x": f"a{i}", "g": f"g{i}", "t": "(k + 1)", "sqrt": "math.sqrt",
                     **{state: f"{latest[state]}{i}" for state in rule.state}}
            loop.append(f"n_{name}{i} = {_per_coordinate(expression, names)}")
        latest[name] = f"n_{name}"
        new_names += [(f"{'a' if name == 'x' else 's_' + name}{i}", f"n_{name}{i}")
                      for i in range(n)]
    targets = before + [target for target, _ in new_names]
    sources = point + [source for _, source in new_names]
    if stop.step_tol is not None:
        loop.append("d2 = " + " + ".join(f"(n_x{i} - a{i})**2" for i in range(n)))
    loop.append(f"{_pack(targets)} = {_pack(sources)}")  # one assignment: Ctrl-C cannot split it
    loop.append("k += 1")
    if stop.step_tol is not None:
        loop += [f"if d2 <= {stop.step_tol**2!r}:", f"    return 'step', {where}"]
    out += ["    try:", "        while True:"] + [f"            {line}" for line in loop]
    out += ["    except KeyboardInterrupt:", f"        return 'interrupted', {where}",
            "    except (ArithmeticError, ValueError):", f"        return 'nonfinite', {where}"]
    return "\n".join(out) + "\n"


def fuse(gradient: Sequence[sp.Expr], variables: Sequence[sp.Symbol], rule: Rule,
         params: Mapping[str, float], stop: StopRules, function: sp.Expr | None,
         progress: bool) -> Callable:
    return build(fused_source(gradient, variables, rule, params, stop, function, progress), "fused")
