"""One run's result: a status from a fixed vocabulary, a sentence, the final point, the history."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np

from gradcli.errors import ExitCode


class Status(StrEnum):
    converged = "converged"
    max_steps = "max_steps"
    stationary = "stationary"
    diverged = "diverged"
    domain_error = "domain_error"
    interrupted = "interrupted"


# The standard sentence of each status (the full message adds numbers and a hint).
STATUS_MEANING = {
    Status.converged: "a stopping tolerance was met at a minimum",
    Status.max_steps: "the step limit was reached before any tolerance was met",
    Status.stationary: "∇f = 0 at a point that is not a minimum (saddle, maximum or degenerate)",
    Status.diverged: "the iterates or the gradient blew up",
    Status.domain_error: "f or ∇f is undefined at the point reached",
    Status.interrupted: "stopped by Ctrl-C",
}

EXIT_CODES = {
    Status.converged: ExitCode.OK,
    Status.max_steps: ExitCode.NOT_CONVERGED,
    Status.stationary: ExitCode.NOT_CONVERGED,
    Status.diverged: ExitCode.NUMERIC_FAILURE,
    Status.domain_error: ExitCode.NUMERIC_FAILURE,
    Status.interrupted: ExitCode.INTERRUPTED,
}


@dataclass(frozen=True)
class History:
    """Recorded steps: k, x_k, f(x_k), ‖∇f(x_k)‖ and ‖x_k − x_{k−1}‖ (NaN at k = 0)."""

    k: np.ndarray
    x: np.ndarray
    f: np.ndarray
    grad_norm: np.ndarray
    step: np.ndarray

    def rows(self) -> list[dict[str, Any]]:
        return [
            {"k": int(k), "x": [float(v) for v in x], "f": float(f), "grad_norm": float(g),
             "step": None if k == 0 else float(s)}
            for k, x, f, g, s in zip(self.k, self.x, self.f, self.grad_norm, self.step,
                                     strict=True)
        ]


@dataclass(frozen=True)
class Result:
    function: str
    variables: tuple[str, ...]
    method: str
    params: dict[str, float]
    start: tuple[float, ...]
    status: Status
    message: str
    x: tuple[float, ...]
    f: float
    gradient: tuple[float, ...]
    grad_norm: float
    iterations: int
    evaluations: int
    history: History

    @property
    def exit_code(self) -> ExitCode:
        return EXIT_CODES[self.status]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (non-finite floats are turned into null by the JSON writer)."""
        return {
            "function": self.function,
            "variables": list(self.variables),
            "method": self.method,
            "params": dict(self.params),
            "start": list(self.start),
            "x": list(self.x),
            "f": self.f,
            "gradient": list(self.gradient),
            "grad_norm": self.grad_norm,
            "iterations": self.iterations,
            "evaluations": self.evaluations,
            "status": str(self.status),
            "message": self.message,
            "history": self.history.rows(),
        }
