"""A Problem: the parsed function, its variable order, and its derivatives, each made once."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import sympy as sp

from gradcli import library
from gradcli.engine.compile import BatchFunction, compile_batch, eliminate_common, positional
from gradcli.library import LibraryFunction
from gradcli.symbolic import calculus
from gradcli.symbolic.parsing import order_variables, parse


@dataclass(frozen=True)
class Problem:
    """A real function of named variables; derivatives and compiled forms appear on demand.

    `entry` is the library function it came from, when the user typed a name.
    """

    text: str
    function: sp.Expr
    variables: tuple[sp.Symbol, ...]
    entry: LibraryFunction | None = None

    @classmethod
    def from_text(cls, text: str, variables: str | None = None) -> Problem:
        parsed = parse(text)
        return cls(text.strip(), parsed.components[0], order_variables(parsed.names, variables))

    @classmethod
    def resolve(cls, text: str, variables: str | None = None) -> Problem:
        """A library name (exactly) means that function; anything else is an expression.

        A bare word that is not a library name but looks like a misspelt one is refused with a
        suggestion: f(x) = rosenbrok is never what anyone meant.
        """
        word = text.strip()
        entry = library.find(word)
        if entry is not None:
            order = variables if variables is not None else ",".join(entry.variables)
            problem = cls.from_text(entry.expression, order)
            return cls(entry.name, problem.function, problem.variables,
                       entry.reordered(problem.names))
        if word.isidentifier() and len(word) >= 4 and library.closest(word):
            raise library.unknown(word)
        return cls.from_text(text, variables)

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
