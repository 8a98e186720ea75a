"""A Problem: the parsed function, its variable order, and its derivatives, each made once."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import sympy as sp

from gradcli import calculus
from gradcli.compile import BatchFunction, compile_batch
from gradcli.parsing import order_variables, parse


@dataclass(frozen=True)
class Problem:
    """A real function of named variables; derivatives and compiled forms appear on demand."""

    text: str
    function: sp.Expr
    variables: tuple[sp.Symbol, ...]

    @classmethod
    def from_text(cls, text: str, variables: str | None = None) -> Problem:
        parsed = parse(text)
        return cls(text.strip(), parsed.components[0], order_variables(parsed.names, variables))

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
    def value_function(self) -> BatchFunction:
        """F(X) -> (B, 1): f alone."""
        return compile_batch([self.function], self.variables)

    @cached_property
    def gradient_function(self) -> BatchFunction:
        """F(X) -> (B, n): ∇f alone, the stepping loop's one call per step."""
        return compile_batch(self.gradient, self.variables)

    @cached_property
    def value_and_gradient(self) -> BatchFunction:
        """F(X) -> (B, 1 + n): column 0 is f, the rest ∇f; one CSE pass shares their work."""
        return compile_batch((self.function, *self.gradient), self.variables)

    @cached_property
    def hessian_function(self) -> BatchFunction:
        """F(X) -> (B, n*n), the Hessian flattened row by row."""
        return compile_batch([e for row in self.hessian for e in row], self.variables)
