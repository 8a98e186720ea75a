"""One run's result: a status from a fixed vocabulary, a sentence, the final point, the history."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Any, NamedTuple

import numpy as np

from gradcli.errors import ExitCode


class Status(StrEnum):
    converged = "converged"
    max_steps = "max_steps"
    stationary = "stationary"
    diverged = "diverged"
    domain_error = "domain_error"
    interrupted = "interrupted"
    unbounded = "unbounded"
    flat = "flat"


EXIT_CODES = {
    Status.converged: ExitCode.OK,
    Status.max_steps: ExitCode.NOT_CONVERGED,
    Status.stationary: ExitCode.NOT_CONVERGED,
    Status.diverged: ExitCode.NUMERIC_FAILURE,
    Status.domain_error: ExitCode.NUMERIC_FAILURE,
    Status.interrupted: ExitCode.INTERRUPTED,
    Status.unbounded: ExitCode.NOT_CONVERGED,
    Status.flat: ExitCode.NOT_CONVERGED,
}


# Training (`fit`, `embed`) asked for epochs or steps, not for a minimum: finishing them is a
# success, to ML users and to `set -e` scripts. `descend` asked for a minimum, so its step
# limit is not (EXIT_CODES above). A diverged or interrupted training run keeps its own code.
TRAINING_EXIT_CODES = {
    "converged": ExitCode.OK,
    "max_epochs": ExitCode.OK,  # fit: the epochs asked for are done
    "max_steps": ExitCode.OK,  # embed: the steps asked for are done
    "diverged": ExitCode.NUMERIC_FAILURE,
    "interrupted": ExitCode.INTERRUPTED,
    "stationary": ExitCode.NOT_CONVERGED,  # fit: the gradient test stopped at a saddle
    "flat": ExitCode.NOT_CONVERGED,  # fit: ... where the loss has no minimum
}


@dataclass(frozen=True)
class Record:
    """What a batch recorded, shared by its runs: m recorded steps of B runs in n variables.

    The last row holds each run's final point (a run that stopped early is frozen there).
    """

    steps: np.ndarray  # (m,)
    points: np.ndarray  # (m, B, n)
    f: np.ndarray  # (m, B)
    grad_norm: np.ndarray  # (m, B)
    step: np.ndarray  # (m, B): ‖x_k − x_{k−1}‖
    rate: np.ndarray  # (m, B): the learning rate (or line-search α) of the step that led to x_k
    marked: np.ndarray  # (m, B): that step was clipped (Newton: its Hessian was shifted)
    full: np.ndarray | None = None  # (m, B, N): a vector run's whole points, when asked for
    radius: np.ndarray | None = None  # (m, B): ‖x_k‖, where `points` is a vector's summary


@dataclass(frozen=True)
class History:
    """One run's recorded steps: k, x_k, f(x_k), ‖∇f(x_k)‖ and ‖x_k − x_{k−1}‖.

    A view into the batch's Record, sliced only when read: a batch of 10⁴ starts need not pay
    for 10⁴ histories nobody looks at.
    """

    record: Record
    run: int
    last: int  # the step this run stopped at
    columns: tuple[str, ...] = ()  # extra keys: "lr", "clipped" or "shifted"

    @cached_property
    def _rows(self) -> np.ndarray:
        steps = self.record.steps
        return np.append(np.flatnonzero(steps < self.last), len(steps) - 1)

    @property
    def k(self) -> np.ndarray:
        return np.append(self.record.steps[self._rows[:-1]], self.last)

    def _column(self, values: np.ndarray) -> np.ndarray:
        return values[self._rows, self.run]

    x = property(lambda self: self._column(self.record.points))
    f = property(lambda self: self._column(self.record.f))
    grad_norm = property(lambda self: self._column(self.record.grad_norm))
    step = property(lambda self: self._column(self.record.step))
    rate = property(lambda self: self._column(self.record.rate))
    marked = property(lambda self: self._column(self.record.marked))

    @property
    def full(self) -> np.ndarray | None:
        return None if self.record.full is None else self._column(self.record.full)

    @property
    def radius(self) -> np.ndarray:
        """‖x_k‖ at each recorded step: kept by a vector run, whose x is only summarised."""
        if self.record.radius is not None:
            return self._column(self.record.radius)
        return np.linalg.norm(self.x, axis=1)

    def rows(self) -> list[dict[str, Any]]:
        extra = {"lr": self.rate, "clipped": self.marked, "shifted": self.marked,
                 "negative_curvature": self.marked}
        full = self.full
        rows = []
        for index, (k, x, f, g, s) in enumerate(zip(self.k, self.x, self.f, self.grad_norm,
                                                     self.step, strict=True)):
            row = {"k": int(k), "x": [float(v) for v in x], "f": float(f), "grad_norm": float(g),
                   "step": None if k == 0 else float(s)}
            if full is not None:
                row["point"] = full[index].tolist()
            for column in self.columns:
                value = extra[column][index]
                row[column] = None if k == 0 else (bool(value) if column != "lr"
                                                   else float(value))
            rows.append(row)
        return rows


class VectorShape(NamedTuple):
    """How a vector run's coordinates are laid out, and what its history keeps of each point."""

    dim: int
    coordinates: tuple[str, ...]  # e.g. ("a", "x[1..n]")
    summary: tuple[str, ...]  # the history's x columns, e.g. ("min x", "mean x", "max x")


class Result(NamedTuple):
    """One run's outcome; a NamedTuple because a batch creates thousands of them."""

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
    name: str | None = None  # the library function, when the user typed a name
    shape: VectorShape | None = None  # a vector run: x is whole, the history a summary

    @property
    def columns(self) -> tuple[str, ...]:
        """Names of the history's x columns: the variables, or a vector run's summary."""
        return self.shape.summary if self.shape else self.variables

    @property
    def exit_code(self) -> ExitCode:
        return EXIT_CODES[self.status]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (non-finite floats are turned into null by the JSON writer)."""
        named = {"name": self.name} if self.name else {}
        shape = {} if self.shape is None else {
            "dim": self.shape.dim, "history_x": list(self.shape.summary)}
        return {
            **named,
            "function": self.function,
            "variables": list(self.shape.coordinates if self.shape else self.variables),
            **shape,
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
