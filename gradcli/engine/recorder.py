"""Which steps a run keeps: every K-th when asked, otherwise a self-thinning record.

By default every step is kept until the record holds `limit` rows; then every other row goes
and the stride doubles, so a record holds between limit/2 and limit rows (plus the first HEAD
steps, which are always kept, so a table can show how a run begins). Memory stays bounded for
any run length, and the engine adds the last step.
"""

from __future__ import annotations

from typing import Any

HEAD = 10  # the first steps, always kept


class Recorder:
    def __init__(self, every: int | None, limit: int, per_run: bool = False, head: int = HEAD):
        self.per_run = per_run  # a few runs side by side: each keeps its own resolution
        self.head = head  # the first steps, always kept (none for a batch of many starts)
        self.stride = every or 1
        self.thinning = every is None
        self.limit = limit
        self.steps: list[int] = []
        self.points: list[Any] = []
        self.previous: list[Any] = []
        self.extras: list[Any] = []  # (learning rate, clipped?) of the step that led here
        self.protected = 0  # the first rows, kept for runs of a batch that have stopped

    def stopped(self, k: int) -> None:
        """Runs of a batch stopped at step k: with `per_run`, every row kept so far stays, so a
        run keeps the resolution it had when it stopped, as it would alone (the budget counts
        later rows); at most 2·limit rows are kept this way, so memory stays bounded."""
        if self.per_run and len(self.steps) <= 2 * self.limit:
            self.protected = len(self.steps)

    def _keep(self, k: int, point: Any, previous: Any, extras: Any) -> None:
        self.steps.append(k)
        self.points.append(point)
        self.previous.append(previous)
        self.extras.append(extras)

    def __call__(self, k: int, point: Any, previous: Any, extras: Any) -> int:
        """Keep step k (its point, the point before it, how it was reached); return the next
        step to keep."""
        self._keep(k, point, previous, extras)
        if self.thinning and len(self.steps) - self.protected >= self.limit + self.head:
            self.stride *= 2
            kept = [i for i, step in enumerate(self.steps)
                    if i < self.protected or step % self.stride == 0 or step < self.head]
            for rows in (self.steps, self.points, self.previous, self.extras):
                rows[:] = [rows[i] for i in kept]
        if self.thinning and k + 1 < self.head:
            return k + 1
        return (k // self.stride + 1) * self.stride

    def finish(self, k: int, point: Any, previous: Any, extras: Any) -> None:
        """End the record with each run's final point, at the last step taken.

        In a batch, runs that stopped early hold their final point here, not wherever the
        still-running batch carried them; so a row already kept at step k is replaced.
        """
        if self.steps and self.steps[-1] == k:
            for rows in (self.steps, self.points, self.previous, self.extras):
                rows.pop()
        self._keep(k, point, previous, extras)
