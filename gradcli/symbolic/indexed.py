"""Functions of parameter vectors: indexed sums, differentiated once whatever n is.

f = rest + Σ_m c_m·Σ_{i=LO_m}^{HI_m} g_m(x[i+k₁], x[i+k₂], …, i, scalars, fixed entries).

Each summand g_m is differentiated with respect to its *slots* (one placeholder symbol per shifted
entry x[i+k]) and its *globals* (scalars such as `a`, and fixed entries such as x[1] or x[n]);
evaluation then works on shifted slices of the whole vector (see `engine/indexed.py`). Nothing
here depends on n except through the symbol `n`, so derivation costs the same at n = 10 and at
n = 10⁶; only `expanded` writes a sum out term by term, and only for small n.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import sympy as sp

from gradcli.errors import InputError
from gradcli.symbolic import calculus
from gradcli.symbolic.parsing import DIMENSION, natural_key

MAX_DIMENSION = 10_000_000  # entries in all vectors together: 80 MB for one float64 copy
PAIR_FORMAT = "{}[{}]"


class Slot(NamedTuple):
    """x[i + offset] inside a sum."""

    vector: str
    offset: int


class Entry(NamedTuple):
    """A fixed entry such as x[1] or x[n - 1]: its index is a whole number or n + c."""

    vector: str
    index: sp.Expr

    def at(self, n: int) -> int:
        return int(self.index.subs(DIMENSION, n))


Global = str | Entry  # a scalar's name, or a fixed entry


def entry_name(vector: str, index: sp.Expr | int | str) -> str:
    return PAIR_FORMAT.format(vector, index)


def global_symbol(item: Global) -> sp.Symbol:
    name = item if isinstance(item, str) else entry_name(item.vector, item.index)
    return sp.Symbol(name, real=True)


@dataclass(frozen=True)
class SumTerm:
    """c·Σ_{i=low}^{high} g: `summand` is c·g written in `slot_symbols`, global symbols, i, n."""

    summand: sp.Expr
    index: sp.Symbol
    low: sp.Expr
    high: sp.Expr
    slots: tuple[Slot, ...]
    globals: tuple[Global, ...]

    @cached_property
    def slot_symbols(self) -> tuple[sp.Symbol, ...]:
        return tuple(sp.Symbol(f"slot{k}", real=True) for k in range(len(self.slots)))

    @cached_property
    def global_symbols(self) -> tuple[sp.Symbol, ...]:
        return tuple(global_symbol(item) for item in self.globals)

    @property
    def arguments(self) -> tuple[sp.Symbol, ...]:
        """What the summand is differentiated by: the slots, then the globals."""
        return (*self.slot_symbols, *self.global_symbols)

    def bounds(self, n: int) -> tuple[int, int]:
        return int(self.low.subs(DIMENSION, n)), int(self.high.subs(DIMENSION, n))

    @cached_property
    def first(self) -> tuple[sp.Expr, ...]:
        return tuple(calculus.derivative(self.summand, symbol) for symbol in self.arguments)

    @cached_property
    def second(self) -> dict[tuple[int, int], sp.Expr]:
        """∂²g/∂u∂w for u ≤ w among the arguments, only where it is not identically zero."""
        pairs = {}
        for u, du in enumerate(self.first):
            for w in range(u, len(self.arguments)):
                value = calculus.derivative(du, self.arguments[w])
                if value != 0:
                    pairs[(u, w)] = value
        return pairs


@dataclass(frozen=True)
class IndexedFunction:
    """A function of scalars and vectors, split into sums and the rest."""

    text: str
    expression: sp.Expr
    scalars: tuple[str, ...]  # in natural order; they come first among the coordinates
    vectors: tuple[str, ...]  # in name order; then x[1..n] for each
    terms: tuple[SumTerm, ...]
    rest: sp.Expr  # written in global symbols and n
    rest_globals: tuple[Global, ...]

    @cached_property
    def rest_first(self) -> tuple[sp.Expr, ...]:
        return tuple(calculus.derivative(self.rest, global_symbol(g)) for g in self.rest_globals)

    @cached_property
    def rest_second(self) -> dict[tuple[int, int], sp.Expr]:
        symbols = [global_symbol(g) for g in self.rest_globals]
        pairs = {}
        for u, du in enumerate(self.rest_first):
            for w in range(u, len(symbols)):
                value = calculus.derivative(du, symbols[w])
                if value != 0:
                    pairs[(u, w)] = value
        return pairs

    def size(self, n: int) -> int:
        return len(self.scalars) + len(self.vectors) * n

    def coordinate(self, item: Global, n: int) -> int:
        """Where a scalar or a fixed entry sits in the flat parameter vector (0-based)."""
        if isinstance(item, str):
            return self.scalars.index(item)
        return self.vector_offset(item.vector, n) + item.at(n) - 1

    def vector_offset(self, vector: str, n: int) -> int:
        return len(self.scalars) + self.vectors.index(vector) * n

    def order_text(self) -> str:
        parts = [*self.scalars, *(entry_name(v, "1..n") for v in self.vectors)]
        return ", ".join(parts)

    def check(self, n: int) -> None:
        """Every index of every sum and fixed entry lies in 1..n for this n."""
        if n < 1:
            raise InputError(f"--dim must be a whole number ≥ 1, not {n}.")
        if len(self.vectors) * n > MAX_DIMENSION:
            raise InputError(f"--dim {n} gives {len(self.vectors) * n} vector entries; the limit "
                             f"is {MAX_DIMENSION} (a run holds several copies of the point, "
                             "80 MB each at that size).")
        for term in self.terms:
            low, high = term.bounds(n)
            if high < low:
                continue
            for slot in term.slots:
                reach = (low + slot.offset, high + slot.offset)
                if reach[0] < 1 or reach[1] > n:
                    shown = entry_name(slot.vector, term.index + slot.offset)
                    bad = reach[0] if reach[0] < 1 else reach[1]
                    raise InputError(
                        f"{shown} with {term.index} from {low} to {high} reaches "
                        f"{entry_name(slot.vector, bad)}, outside 1..n (n = {n}); change the "
                        "sum's bounds or the index.")
        for entry in self.entries:
            if not 1 <= entry.at(n) <= n:
                raise InputError(f"{entry_name(entry.vector, entry.index)} is outside 1..n "
                                 f"(n = {n}); use an index from 1 to n.")

    @cached_property
    def entries(self) -> tuple[Entry, ...]:
        found = {g for term in self.terms for g in term.globals if isinstance(g, Entry)}
        found |= {g for g in self.rest_globals if isinstance(g, Entry)}
        return tuple(sorted(found, key=str))

    def names(self, n: int) -> tuple[str, ...]:
        """Every coordinate's name, in order: scalars, then x[1], …, x[n] for each vector."""
        return (*self.scalars,
                *(entry_name(v, j) for v in self.vectors for j in range(1, n + 1)))

    def expanded(self, n: int) -> sp.Expr:
        """f written out for this n, in symbols named like the coordinates (small n only)."""
        total = self.rest.xreplace({DIMENSION: n})
        for term in self.terms:
            low, high = term.bounds(n)
            for i in range(low, high + 1):
                values = {symbol: sp.Symbol(entry_name(slot.vector, i + slot.offset), real=True)
                          for symbol, slot in zip(term.slot_symbols, term.slots, strict=True)}
                values.update({term.index: i, DIMENSION: n})
                total += term.summand.xreplace(values)
        return total.xreplace(
            {global_symbol(e): sp.Symbol(entry_name(e.vector, e.at(n)), real=True)
             for e in self.entries})


def written_out(components, names: list[str], vectors: list[str], n: int, limit: int):
    """Several functions of the same scalars and vectors, each written out for this n, and
    their common coordinates as symbols (for a Jacobian: at most `limit` coordinates)."""
    written = []
    for component in components:
        function = indexed_function("", component, tuple(names), tuple(vectors))
        if function.size(n) > limit:
            raise InputError(f"jacobian writes vector functions out, so it takes at most {limit} "
                             f"coordinates; here there are {function.size(n)} (use grad for "
                             "one component at any n).")
        function.check(n)
        written.append(function.expanded(n))
    ordered = tuple(sp.Symbol(name, real=True) for name in function.names(n))
    return tuple(written), ordered


_LINEAR_SUMS = ("a sum may only be added, subtracted or multiplied by a constant; put the whole "
                "function inside one sum, such as sum((x[i] - 1)**2, (i, 1, n))")


def _globals_of(expr: sp.Expr, scalars: dict[str, sp.Symbol]) -> tuple[sp.Expr, list[Global]]:
    """Replace fixed entries by symbols; list the scalars and entries the expression uses."""
    found: list[Global] = []
    replacements = {}
    for atom in sorted(expr.atoms(sp.Indexed), key=str):
        entry = Entry(str(atom.base), sp.sympify(atom.indices[0]))
        replacements[atom] = global_symbol(entry)
        found.append(entry)
    found += [name for name in scalars if scalars[name] in expr.free_symbols]
    return expr.xreplace(replacements), found


def _term(summation: sp.Sum, coefficient: sp.Expr, scalars: dict[str, sp.Symbol]) -> SumTerm:
    (index, low, high), = summation.limits
    summand = coefficient * summation.function
    slots: list[Slot] = []
    replacements = {}
    for atom in sorted(summand.atoms(sp.Indexed), key=str):
        position = sp.sympify(atom.indices[0])
        if index in position.free_symbols:
            offset = position - index
            if not offset.is_integer or offset.free_symbols:
                raise InputError(f"index {atom} inside the sum over {index} must be {index} plus "
                                 "or minus a whole number.")
            slot = Slot(str(atom.base), int(offset))
            replacements[atom] = sp.Symbol(f"slot{len(slots)}", real=True)
            slots.append(slot)
    with_slots = summand.xreplace(replacements)
    written, found = _globals_of(with_slots, scalars)
    return SumTerm(written, index, low, high, tuple(slots), tuple(found))


def _addends(expr: sp.Expr) -> list[sp.Expr]:
    """The terms of f with constant factors distributed over sums (2·(S + a) → 2·S + 2·a),
    never splitting a sum itself (SymPy's expand would split Σ(a + b) into Σa + Σb)."""
    if expr.is_Add:
        return [term for arg in expr.args for term in _addends(arg)]
    if expr.is_Mul:
        inner = [f for f in expr.args if f.is_Add and f.has(sp.Sum)]
        if len(inner) == 1:
            rest = sp.Mul(*(f for f in expr.args if f is not inner[0]))
            return [rest * term for term in _addends(inner[0])]
    return [expr]


def indexed_function(text: str, expression: sp.Expr, names: tuple[str, ...],
                     vectors: tuple[str, ...]) -> IndexedFunction:
    """Split a parsed vector function into its sums and the rest (see the module docstring)."""
    scalars = {name: sp.Symbol(name, real=True) for name in sorted(names, key=natural_key)}
    terms, rest = [], sp.Integer(0)
    for addend in _addends(expression):
        if not addend.has(sp.Sum):
            rest += addend
            continue
        factors = sp.Mul.make_args(addend)
        sums = [f for f in factors if isinstance(f, sp.Sum)]
        coefficient = sp.Mul(*(f for f in factors if not isinstance(f, sp.Sum)))
        if len(sums) != 1 or coefficient.has(sp.Sum, sp.Indexed) or \
                coefficient.free_symbols - {DIMENSION}:
            raise InputError(_LINEAR_SUMS + ".")
        terms.append(_term(sums[0], coefficient, scalars))
    written, found = _globals_of(rest, scalars)
    return IndexedFunction(text, expression, tuple(scalars), tuple(sorted(vectors)),
                           tuple(terms), written, tuple(found))


J = sp.Symbol("j", integer=True)  # the entry a partial derivative is taken by: ∂f/∂x[j]


def _entries_shown(term: SumTerm, index: sp.Expr, formula: sp.Expr) -> sp.Expr:
    """Write a summand's slots as entries x[index + k] and its globals as themselves."""
    values = {symbol: sp.IndexedBase(slot.vector, real=True)[index + slot.offset]
              for symbol, slot in zip(term.slot_symbols, term.slots, strict=True)}
    values.update(_globals_shown(term.globals))
    return formula.xreplace(values)


def _globals_shown(items: tuple[Global, ...]) -> dict[sp.Symbol, sp.Expr]:
    return {global_symbol(g): sp.IndexedBase(g.vector, real=True)[g.index]
            for g in items if isinstance(g, Entry)}


def _summed(function: IndexedFunction, item: Global) -> sp.Expr:
    """∂f/∂(a scalar or a fixed entry): each sum's partial summed over its range, plus the
    rest's partial."""
    total = sp.Integer(0)
    for term in function.terms:
        if item in term.globals:
            u = len(term.slots) + term.globals.index(item)
            part = _entries_shown(term, term.index, term.first[u])
            total += sp.Sum(part, (term.index, term.low, term.high))
    if item in function.rest_globals:
        part = function.rest_first[function.rest_globals.index(item)]
        total += part.xreplace(_globals_shown(function.rest_globals))
    return total


def scalar_partial(function: IndexedFunction, name: str) -> sp.Expr:
    return _summed(function, name)


class Case(NamedTuple):
    """∂f/∂x[j] for j from `low` to `high` (at the given n)."""

    low: int
    high: int
    formula: sp.Expr


def partial_cases(function: IndexedFunction, vector: str, n: int) -> list[Case]:
    """∂f/∂x[j] piece by piece in j: an interior formula and each boundary case, at this n.

    A sum's slot x[i+k] contributes ∂g/∂slot at i = j − k wherever LO + k ≤ j ≤ HI + k; a
    fixed entry contributes its own partial at its one index. Between consecutive breakpoints
    the set of contributions is fixed; neighbouring pieces with the same formula are merged.
    """
    pieces: list[tuple[int, int, sp.Expr]] = []  # (first j, last j, contribution in J)
    for term in function.terms:
        low, high = term.bounds(n)
        for position, slot in enumerate(term.slots):
            if slot.vector != vector or high < low:
                continue
            shown = _entries_shown(term, J - slot.offset, term.first[position])
            pieces.append((low + slot.offset, high + slot.offset,
                           shown.xreplace({term.index: J - slot.offset})))
    for entry in function.entries:
        if entry.vector == vector:
            at = entry.at(n)
            pieces.append((at, at, _summed(function, entry)))
    cuts = sorted({1, n + 1, *(a for a, _, _ in pieces), *(b + 1 for _, b, _ in pieces)})
    cuts = [c for c in cuts if 1 <= c <= n + 1]
    cases: list[Case] = []
    for first, after in zip(cuts, cuts[1:], strict=False):
        last = after - 1
        formula = sum((p for a, b, p in pieces if a <= first and last <= b), sp.Integer(0))
        if cases and cases[-1].high == first - 1 and sp.simplify(cases[-1].formula - formula) \
                == 0:
            cases[-1] = cases[-1]._replace(high=last)
        else:
            cases.append(Case(first, last, formula))
    return [case._replace(formula=case.formula.xreplace({J: index_of(case.low, n)}))
            if case.low == case.high else case for case in cases]


def index_of(value: int, n: int) -> sp.Expr:
    """An index as people write it at the ends: 1, 2, …, n − 1, n."""
    return DIMENSION - (n - value) if value > n // 2 and n > 2 else sp.Integer(value)


def case_text(case: Case, n: int) -> str:
    low, high = (str(index_of(v, n)).replace(" ", "") for v in (case.low, case.high))
    return f"j = {low}" if case.low == case.high else f"{low} ≤ j ≤ {high}"


class Band(NamedTuple):
    """One band of the Hessian: H[j, j + offset] between two vectors (the same, on the
    diagonal block), written at an interior j."""

    row: str
    column: str
    offset: int
    formula: sp.Expr


def bands(function: IndexedFunction) -> list[Band]:
    """The Hessian's non-zero bands between vector entries, from the summands' second partials
    (written at an interior j: boundary rows hold fewer of the terms)."""
    found: dict[tuple[str, str, int], sp.Expr] = {}
    for term in function.terms:
        slots = len(term.slots)
        for (u, w), value in term.second.items():
            if u >= slots or w >= slots:
                continue
            for a, b in ((u, w), (w, u)) if u != w else ((u, w),):
                row, column = term.slots[a], term.slots[b]
                key = (row.vector, column.vector, column.offset - row.offset)
                shown = _entries_shown(term, J - row.offset, value)
                found[key] = found.get(key, 0) + shown.xreplace({term.index: J - row.offset})
    return [Band(r, c, k, sp.simplify(found[(r, c, k)]) if found[(r, c, k)] != 0 else 0)
            for (r, c, k) in sorted(found)]
