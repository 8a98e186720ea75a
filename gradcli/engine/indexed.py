"""A vector function at a given n, evaluated on slices: f, ∇f, Hessian-vector products.

Each sum's summand and its partials are compiled once (NumPy, common subexpressions shared);
a slot x[i+k] is the slice x[LO+k−1 : HI+k] of the whole vector, and each partial is
scatter-added into the gradient at its slot's slice (`g[s+k : t+k] += part_k`). The Hessian is
banded with offsets kⱼ − kₗ, so a Hessian-vector product is a few slice operations: O(n).
Points are (B, N) arrays (B runs, N coordinates) so batches need no other code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import sympy as sp

from gradcli.engine.compile import build, eliminate_common, numpy_printer
from gradcli.library import LibraryFunction
from gradcli.symbolic.budget import outside_budget
from gradcli.symbolic.indexed import Global, IndexedFunction, SumTerm, global_symbol
from gradcli.symbolic.parsing import DIMENSION

DENSE_LIMIT = 2000  # up to this many coordinates a Hessian is formed; above, products only


def _kernel(exprs: Sequence[sp.Expr], slots: Sequence[sp.Symbol], globals_: Sequence[sp.Symbol],
            index: sp.Symbol | None, n: int) -> Callable:
    """F(S, G, i) -> tuple of arrays (or numbers) for slot slices S, global columns G, index i."""
    names = {**{s: sp.Symbol(f"a{k}", real=True) for k, s in enumerate(slots)},
             **{g: sp.Symbol(f"b{k}", real=True) for k, g in enumerate(globals_)},
             DIMENSION: sp.Integer(n)}
    if index is not None:
        names[index] = sp.Symbol("idx", real=True)
    renamed = [sp.sympify(e).xreplace(names) for e in exprs]
    temporaries, reduced = eliminate_common(renamed, thorough=True)
    printer = numpy_printer()
    lines = ["def kernel(S, G, idx):"]
    lines += [f"    a{k} = S[{k}]" for k in range(len(slots))]
    lines += [f"    b{k} = G[{k}]" for k in range(len(globals_))]
    lines += [f"    {symbol} = {printer.doprint(value)}" for symbol, value in temporaries]
    lines.append("    return (" + "".join(f"{printer.doprint(e)}, " for e in reduced) + ")")
    return build("\n".join(lines), "kernel")


def _total(part, rows: int, length: int) -> np.ndarray:
    """Σ over the index of one output, which may be a constant (it does not broadcast itself)."""
    return np.broadcast_to(part, (rows, length)).sum(axis=1)


@dataclass(frozen=True)
class _Compiled:
    """One sum at this n: where its slots and globals live, and its compiled kernels."""

    term: SumTerm
    low: int
    high: int
    starts: tuple[int, ...]  # flat position of each slot's first entry
    columns: tuple[int, ...]  # flat position of each global
    n: int

    @property
    def length(self) -> int:
        return self.high - self.low + 1

    def index(self) -> np.ndarray | None:
        """i over the range, for summands that use it (made once, read-only)."""
        return self._index

    @cached_property
    def _index(self) -> np.ndarray | None:
        if self.term.index not in self.term.summand.free_symbols:
            return None
        values = np.arange(self.low, self.high + 1, dtype=float)
        values.flags.writeable = False
        return values

    def slices(self, X: np.ndarray) -> list[np.ndarray]:
        return [X[:, s:s + self.length] for s in self.starts]

    def globals_of(self, X: np.ndarray) -> list[np.ndarray]:
        return [X[:, c:c + 1] for c in self.columns]

    @cached_property
    def value_kernel(self) -> Callable:
        t = self.term
        return _kernel([t.summand], t.slot_symbols, t.global_symbols, t.index, self.n)

    @cached_property
    def first_kernel(self) -> Callable:
        t = self.term
        return _kernel([t.summand, *t.first], t.slot_symbols, t.global_symbols, t.index, self.n)

    @cached_property
    def gradient_kernel(self) -> Callable:
        t = self.term
        return _kernel(list(t.first), t.slot_symbols, t.global_symbols, t.index, self.n)

    @cached_property
    def pairs(self) -> tuple[tuple[int, int], ...]:
        return tuple(self.term.second)

    @cached_property
    def second_kernel(self) -> Callable:
        t = self.term
        return _kernel(list(t.second.values()), t.slot_symbols, t.global_symbols, t.index,
                       self.n)

    def positions(self, argument: int) -> slice | int:
        """Where argument u (a slot, then the globals) sits in the flat vector."""
        slots = len(self.starts)
        if argument < slots:
            return slice(self.starts[argument], self.starts[argument] + self.length)
        return self.columns[argument - slots]


class VectorProblem:
    """An IndexedFunction at a given dimension n, with f, ∇f and H·v on (B, N) arrays."""

    def __init__(self, function: IndexedFunction, n: int, entry: LibraryFunction | None = None):
        function.check(n)
        self.function, self.n, self.entry = function, n, entry
        self.size = function.size(n)
        self.text = function.text
        self.compiled = []
        for term in function.terms:
            low, high = term.bounds(n)
            if high < low:
                continue
            starts = tuple(function.vector_offset(s.vector, n) + low + s.offset - 1
                           for s in term.slots)
            columns = tuple(function.coordinate(g, n) for g in term.globals)
            self.compiled.append(_Compiled(term, low, high, starts, columns, n))
        self.rest_columns = tuple(function.coordinate(g, n) for g in function.rest_globals)

    @cached_property
    def names(self) -> tuple[str, ...]:
        return self.function.names(self.n)

    def coordinate(self, item: Global) -> int:
        return self.function.coordinate(item, self.n)

    @cached_property
    def _rest_kernel(self) -> Callable:
        f = self.function
        return _kernel([f.rest, *f.rest_first], (), [global_symbol(g) for g in f.rest_globals],
                       None, self.n)

    @cached_property
    def _rest_second_kernel(self) -> Callable:
        f = self.function
        return _kernel(list(f.rest_second.values()), (),
                       [global_symbol(g) for g in f.rest_globals], None, self.n)

    def _rest(self, X: np.ndarray) -> tuple:
        return self._rest_kernel(None, [X[:, c] for c in self.rest_columns], None)

    def parts(self, X: np.ndarray) -> list[np.ndarray]:
        """f's pieces at every row of X (B, N): the rest (B, 1), then each sum's terms (B, L)."""
        rows = X.shape[0]
        with np.errstate(all="ignore"):
            pieces = [np.broadcast_to(np.asarray(self._rest(X)[0], dtype=float),
                                      (rows,))[:, None]]
            for c in self.compiled:
                (part,) = c.value_kernel(c.slices(X), c.globals_of(X), c.index())
                pieces.append(np.broadcast_to(part, (rows, c.length)))
        return pieces

    def value(self, X: np.ndarray) -> np.ndarray:
        """f at every row of X (B, N)."""
        return sum(piece.sum(axis=1) for piece in self.parts(X))

    def difference(self, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
        """f(X) − f(Y), term by term: where X and Y agree, terms cancel exactly, so the change
        from moving one coordinate is not lost in the rounding of a sum of n terms."""
        return sum((a - b).sum(axis=1) for a, b in zip(self.parts(X), self.parts(Y),
                                                        strict=True))

    def gradient(self, X: np.ndarray, with_value: bool = False):
        """∇f at every row of X (B, N) (and f, with `with_value`), by scatter-adding partials."""
        rows = X.shape[0]
        G = np.zeros_like(X, dtype=float)
        total = np.zeros(rows)
        with np.errstate(all="ignore"):
            rest = self._rest(X)
            if with_value:
                total += rest[0]
            for column, part in zip(self.rest_columns, rest[1:], strict=True):
                G[:, column] += part
            for c in self.compiled:
                kernel = c.first_kernel if with_value else c.gradient_kernel
                out = kernel(c.slices(X), c.globals_of(X), c.index())
                if with_value:
                    total += _total(out[0], rows, c.length)
                    out = out[1:]
                slots = len(c.starts)
                for start, part in zip(c.starts, out[:slots], strict=True):
                    G[:, start:start + c.length] += part
                for column, part in zip(c.columns, out[slots:], strict=True):
                    G[:, column] += _total(part, rows, c.length)
        return (total, G) if with_value else G

    def hessian_vector(self, x: np.ndarray, v: np.ndarray) -> np.ndarray:
        """H(x)·v for one point x (N,): a few slice operations per band, O(n)."""
        X, V = x[None, :], v[None, :]
        out = np.zeros((1, self.size))
        with np.errstate(all="ignore"):
            for c in self.compiled:
                values = c.second_kernel(c.slices(X), c.globals_of(X), c.index())
                for (u, w), h in zip(c.pairs, values, strict=True):
                    self._product(out, V, c.positions(u), c.positions(w), h, c.length)
                    if u != w:
                        self._product(out, V, c.positions(w), c.positions(u), h, c.length)
            if self.function.rest_second:
                values = self._rest_second_kernel(None, [X[:, k] for k in self.rest_columns],
                                                  None)
                for (u, w), h in zip(self.function.rest_second, values, strict=True):
                    cu, cw = self.rest_columns[u], self.rest_columns[w]
                    out[:, cu] += h * V[:, cw]
                    if u != w:
                        out[:, cw] += h * V[:, cu]
        return out[0]

    @staticmethod
    def _product(out, V, row, column, h, length) -> None:
        """out[row] += h·V[column], where each is a slice (a slot) or one column (a global)."""
        values = V[:, column] if isinstance(column, slice) else V[:, column:column + 1]
        if isinstance(row, slice):
            out[:, row] += h * values
        else:
            out[:, row] += _total(h * values, 1, length)

    def _entries(self, x: np.ndarray):
        """Every non-zero Hessian entry at one point as (rows, columns, values) arrays, each
        symmetric pair listed twice; entries at the same place are to be added."""
        X = x[None, :]
        rows, columns, values = [], [], []

        def add(r, c, v):
            rows.append(r)
            columns.append(c)
            values.append(np.broadcast_to(np.asarray(v, dtype=float).reshape(-1), r.shape))

        with np.errstate(all="ignore"):
            for c in self.compiled:
                second = c.second_kernel(c.slices(X), c.globals_of(X), c.index())
                for (u, w), h in zip(c.pairs, second, strict=True):
                    r, q = self._indices(c, u), self._indices(c, w)
                    add(r, q, h)
                    if u != w:
                        add(q, r, h)
            if self.function.rest_second:
                second = self._rest_second_kernel(None, [X[:, k] for k in self.rest_columns],
                                                  None)
                for (u, w), h in zip(self.function.rest_second, second, strict=True):
                    cu = np.array([self.rest_columns[u]])
                    cw = np.array([self.rest_columns[w]])
                    add(cu, cw, h)
                    if u != w:
                        add(cw, cu, h)
        if not rows:
            empty = np.zeros(0, dtype=int)
            return empty, empty, np.zeros(0)
        return np.concatenate(rows), np.concatenate(columns), np.concatenate(values)

    def hessian(self, x: np.ndarray) -> np.ndarray:
        """The dense Hessian at one point (only for N ≤ DENSE_LIMIT)."""
        H = np.zeros((self.size, self.size))
        rows, columns, values = self._entries(x)
        np.add.at(H, (rows, columns), values)
        return H

    @staticmethod
    def _indices(c: _Compiled, argument: int) -> np.ndarray:
        where = c.positions(argument)
        if isinstance(where, slice):
            return np.arange(where.start, where.stop)
        return np.full(c.length, where)

    @outside_budget  # numeric (Lanczos or dense), bounded by n, never symbolic work
    def extreme_eigenvalues(self, x: np.ndarray) -> tuple[float, float] | None:
        """(λmin, λmax) of H(x): exact (dense) for N ≤ DENSE_LIMIT; above, Lanczos estimates
        from Hessian-vector products (see `lanczos_extremes`)."""
        if self.size <= DENSE_LIMIT:
            H = self.hessian(x)
            if not np.isfinite(H).all():
                return None
            values = np.linalg.eigvalsh(H)
            return float(values[0]), float(values[-1])
        return lanczos_extremes(lambda v: self.hessian_vector(x, v), self.size)


LANCZOS_STEPS = 300


def lanczos_extremes(product: Callable[[np.ndarray], np.ndarray], size: int,
                     steps: int = LANCZOS_STEPS, seed: int = 0) -> tuple[float, float] | None:
    """The extreme Ritz values of a symmetric operator after at most `steps` Lanczos steps
    (stopping early once both agree to 1e-10 over ten steps). Each is an inner bound: the
    estimate of λmin is ≥ λmin and that of λmax ≤ λmax; isolated extremes converge fast,
    the edge of a dense spectrum to within about (π/steps)² of its width."""
    q = np.random.default_rng(seed).standard_normal(size)
    q /= np.linalg.norm(q)
    previous = np.zeros(size)
    alphas, betas = [], []
    beta = 0.0
    history: list[tuple[float, float]] = []
    for _ in range(min(steps, size)):
        w = product(q)
        if not np.isfinite(w).all():
            return None
        alpha = float(q @ w)
        w = w - alpha * q - beta * previous
        alphas.append(alpha)
        values = np.linalg.eigvalsh(np.diag(alphas) + np.diag(betas, 1) + np.diag(betas, -1))
        history.append((float(values[0]), float(values[-1])))
        scale = max(1.0, abs(values[0]), abs(values[-1]))
        if len(history) > 10 and max(abs(a - b) for a, b in zip(history[-1], history[-11],
                                                                 strict=True)) <= 1e-10 * scale:
            break
        beta = float(np.linalg.norm(w))
        if beta <= 1e-12 * scale:
            break
        betas.append(beta)
        previous, q = q, w / beta
    return history[-1]
