"""The time model of each training mode and the clock a training runs against.

A mode's budget grows with the work one boosting round does — rows x features x
(classes when there are more than two: LightGBM grows one tree per class per
round) — and is capped (docs/automl-modes.md gives the figures). The search stops
at its share of the budget and keeps the best model found so far; the final refit
on all rows is counted inside the budget.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable

from vecml_local.ml import Cancelled

__all__ = ["MODE_BUDGETS", "MIN_BUDGET_SECONDS", "MAX_BUDGET_SECONDS", "budget_seconds", "work_units", "Clock"]

# mode: (base seconds, seconds per million units of work, cap seconds)
MODE_BUDGETS: dict[str, tuple[float, float, float]] = {
    "linear_model": (10.0, 20.0, 30.0),
    "high_speed": (10.0, 2.5, 30.0),
    "balanced": (15.0, 12.0, 120.0),
    "high_accuracy": (30.0, 60.0, 600.0),
}
MIN_BUDGET_SECONDS = 0.1
MAX_BUDGET_SECONDS = 86_400.0


def work_units(n_rows: int, n_features: int, n_classes: int) -> float:
    """Millions of cell-trees per boosting round: rows x features x (classes above 2)."""
    trees = n_classes if n_classes > 2 else 1
    return n_rows * max(1, n_features) * trees / 1e6


def budget_seconds(mode: str, n_rows: int, n_features: int, n_classes: int) -> float:
    base, per_unit, cap = MODE_BUDGETS[mode]
    return min(cap, base + per_unit * work_units(n_rows, n_features, n_classes))


def _takes_eta(progress: Callable[..., None] | None) -> bool:
    if progress is None:
        return False
    try:
        return "eta_seconds" in inspect.signature(progress).parameters
    except (TypeError, ValueError):
        return False


class Clock:
    """Wall-clock budget of one training, its progress reports and its cancellation.

    `search_end()` is the end of the budget minus `reserve` (the estimated cost of the
    final refit, updated by the search as it measures how fast rounds go).
    `progress(fraction, message)` is called with the share of the planned work done;
    when the callable also takes `eta_seconds` it gets the estimate of the time left.
    """

    def __init__(
        self,
        seconds: float,
        progress: Callable[..., None] | None = None,  # (fraction, message[, eta_seconds=])
        should_stop: Callable[[], bool] | None = None,
        now: Callable[[], float] = time.monotonic,
        start: float | None = None,
    ) -> None:
        self.seconds = float(seconds)
        self.now = now
        self.start = now() if start is None else start
        self.end = self.start + self.seconds
        # what follows the refit (metrics, building the model) must fit too
        self.refit_end = self.end - (0.25 + 0.02 * self.seconds)
        self.reserve = 0.25 * self.seconds  # until the search has measured a fit
        self._progress = progress
        self._eta = _takes_eta(progress)
        self._should_stop = should_stop
        self.fraction = 0.0
        self.message = ""
        self.reached = False  # the clock cut something (a fit, a split, a stage): not reproducible
        self._last_report = -1.0

    def elapsed(self) -> float:
        return self.now() - self.start

    def remaining(self) -> float:
        return self.end - self.now()

    def search_end(self) -> float:
        return self.end - self.reserve

    def search_over(self) -> bool:
        return self.now() >= self.search_end()

    def check(self) -> None:
        """Raise `Cancelled` when the caller asked to stop."""
        if self._should_stop is not None and self._should_stop():
            raise Cancelled("training was cancelled")

    def eta(self) -> float:
        """Seconds left: the rate so far, never beyond the budget."""
        left = max(0.0, self.remaining())
        if self.fraction >= 0.05:
            elapsed = self.elapsed()
            left = min(left, elapsed * (1.0 - self.fraction) / self.fraction)
        return round(left, 1)

    def report(self, fraction: float | None = None, message: str | None = None, force: bool = False) -> None:
        """Record progress (never backwards) and pass it on at most every 0.2 s; checks cancellation."""
        self.check()
        if fraction is not None:
            self.fraction = min(1.0, max(self.fraction, float(fraction)))
        if message is not None:
            self.message = message
        if self._progress is None:
            return
        t = self.now()
        if not force and t - self._last_report < 0.2:
            return
        self._last_report = t
        if self._eta:
            self._progress(self.fraction, self.message, eta_seconds=self.eta())
        else:
            self._progress(self.fraction, self.message)

    def finish(self, message: str = "done") -> None:
        self.fraction = 1.0
        self.message = message
        if self._progress is not None:
            if self._eta:
                self._progress(1.0, message, eta_seconds=0.0)
            else:
                self._progress(1.0, message)
