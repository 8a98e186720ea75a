"""A Problem: the parsed function, its variable order, and its derivatives, each made once."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import sympy as sp

from gradcli import library
from gradcli.engine.compile import (
    BatchFunction,
    compile_batch,
    eliminate_common,
    evaluate,
    positional,
)
from gradcli.errors import InputError
from gradcli.library import LibraryFunction
from gradcli.symbolic import calculus
from gradcli.symbolic.indexed import IndexedFunction, entry_name, indexed_function
from gradcli.symbolic.parsing import ParsedText, order_variables, parse

# Up to this many coordinates a vector function is written out term by term and explored like
# any other function (every command, the map, exact values); above, only the indexed path runs.
EXPAND_LIMIT = 10


def minimum_at(entry: LibraryFunction, n: int) -> tuple[np.ndarray, float]:
    """x[1..n] and f at a vector function's global minimum, from the file's formulas in i, n."""
    point_text, value_text = entry.minimum
    i, dim = sp.Symbol("i", real=True), sp.Symbol("n", real=True)
    exprs = [parse(point_text).components[0], parse(value_text).components[0]]
    columns = np.column_stack([np.arange(1, n + 1, dtype=float), np.full(n, float(n))])
    values = evaluate(compile_batch(exprs, [i, dim]), columns)
    return values[:, 0].copy(), float(values[0, 1])


def entry_at(entry: LibraryFunction, n: int) -> LibraryFunction:
    """A vector function's entry written out for one n: start, domain and minimum for every
    coordinate, as for a function of named variables."""
    vectors = entry.variables
    start = tuple(entry.start[j % len(entry.start)] for j in range(n)) * len(vectors)
    minima = ()
    if entry.minimum is not None:
        point, value = minimum_at(entry, n)
        minima = (library.Point("global minimum", tuple(point.tolist()) * len(vectors), value),)
    return entry._replace(
        variables=tuple(entry_name(v, j) for v in vectors for j in range(1, n + 1)),
        start=start, domain=entry.domain * (n * len(vectors)), minima=minima, dim=n)


@dataclass(frozen=True)
class Problem:
    """A real function of named variables; derivatives and compiled forms appear on demand.

    `entry` is the library function it came from, when the user typed a name.
    """

    text: str
    function: sp.Expr
    variables: tuple[sp.Symbol, ...]
    entry: LibraryFunction | None = None
    indexed: IndexedFunction | None = None  # a vector function, written out for this n
    dim: int | None = None

    @classmethod
    def from_text(cls, text: str, variables: str | None = None) -> Problem:
        parsed = parse(text)
        if parsed.vectors:
            raise InputError(f"the function uses the vector {parsed.vectors[0]}; give its "
                             "length with --dim N.")
        return cls(text.strip(), parsed.components[0], order_variables(parsed.names, variables))

    @classmethod
    def resolve(cls, text: str, variables: str | None = None, dim: int | None = None):
        """A library name (exactly) means that function; anything else is an expression.

        A bare word that is not a library name but looks like a misspelt one is refused with a
        suggestion: f(x) = rosenbrok is never what anyone meant. A vector function becomes a
        Problem written out for small n, and a VectorProblem (engine/indexed.py) above that.
        """
        word = text.strip()
        entry = library.find_for_expression(word)
        if entry is not None and entry.dim is not None:
            return cls.vector(word, parse(entry.expression), variables,
                              entry.dim if dim is None else dim, entry)
        if entry is not None:
            if dim is not None:
                raise InputError(f"--dim sets the length of vectors; {entry.name} is a function "
                                 f"of {', '.join(entry.variables)} only.")
            order = variables if variables is not None else ",".join(entry.variables)
            problem = cls.from_text(entry.expression, order)
            return cls(entry.name, problem.function, problem.variables,
                       entry.reordered(problem.names))
        if word.isidentifier() and len(word) >= 4 and library.closest(word):
            raise library.unknown(word)
        parsed = parse(text)
        if parsed.vectors:
            return cls.vector(text.strip(), parsed, variables, dim, None)
        if dim is not None:
            raise InputError("--dim sets the length of vectors such as x[i]; this function has "
                             "named variables only.")
        return cls(text.strip(), parsed.components[0], order_variables(parsed.names, variables))

    @classmethod
    def vector(cls, text: str, parsed: ParsedText, variables: str | None, dim: int | None,
               entry: LibraryFunction | None):
        from gradcli.engine.indexed import VectorProblem

        if variables is not None:
            raise InputError("--vars orders named variables; a vector function's coordinates "
                             "are always its scalars (in name order), then each vector.")
        if dim is None:
            raise InputError(f"the function uses the vector {parsed.vectors[0]}; give its "
                             "length with --dim N.")
        function = indexed_function(text, parsed.components[0], parsed.names, parsed.vectors)
        function.check(dim)
        if function.size(dim) > EXPAND_LIMIT:
            return VectorProblem(function, dim, entry)
        names = function.names(dim)
        return cls(text, function.expanded(dim), tuple(sp.Symbol(v, real=True) for v in names),
                   None if entry is None else entry_at(entry, dim), function, dim)

    @cached_property
    def names(self) -> tuple[str, ...]:
        return tuple(str(v) for v in self.variables)

    @cached_property
    def gradient(self) -> tuple[sp.Expr, ...]:
        return calculus.gradient(self.function, self.variables)

    @cached_property
    def hessian(self) -> tuple[tuple[sp.Expr, ...], ...]:
        return calculus.hessian(self.function, self.variables)

    @cached_property
    def _kernels(self) -> dict[bool, tuple]:
        return {}

    def kernel(self, with_function: bool) -> tuple:
        """∇f (after f, if asked) in positional names with common subexpressions eliminated
        thoroughly: the costly part of compiling a stepping loop, done once per problem."""
        if with_function not in self._kernels:
            exprs = ([self.function] if with_function else []) + list(self.gradient)
            renamed, _ = positional(exprs, self.variables)
            self._kernels[with_function] = eliminate_common(renamed, thorough=True)
        return self._kernels[with_function]

    @cached_property
    def value_function(self) -> BatchFunction:
        """F(X) -> (B, 1): f alone."""
        return compile_batch([self.function], self.variables)

    @cached_property
    def value_and_gradient(self) -> BatchFunction:
        """F(X) -> (B, 1 + n): column 0 is f, the rest ∇f; one CSE pass shares their work."""
        return compile_batch((self.function, *self.gradient), self.variables)

    @cached_property
    def hessian_function(self) -> BatchFunction:
        """F(X) -> (B, n*n), the Hessian flattened row by row."""
        return compile_batch([e for row in self.hessian for e in row], self.variables)
