"""The caller's `should_stop()` and `progress(fraction, message)`, checked between
chunks of work (a chunk is sized to take well under a second on one core)."""

from __future__ import annotations

from vecml_local.ml import Cancelled, Progress, ShouldStop

__all__ = ["Checkpoints", "WORK_PER_CHUNK", "row_chunks"]

# Multiply-adds per kernel call between two checks (~0.1-0.3 s on one core).
WORK_PER_CHUNK = 256_000_000


class Checkpoints:
    """`check()` raises `Cancelled` once `should_stop()` is true; `report(f, message)`
    forwards f in [0, 1] mapped onto this part's share [lo, hi] of the whole run."""

    def __init__(
        self, should_stop: ShouldStop | None = None, progress: Progress | None = None, lo: float = 0.0, hi: float = 1.0
    ) -> None:
        self.should_stop, self.progress, self.lo, self.hi = should_stop, progress, lo, hi

    def check(self) -> None:
        if self.should_stop is not None and self.should_stop():
            raise Cancelled("stopped on request")

    def report(self, fraction: float, message: str = "") -> None:
        if self.progress is not None:
            f = min(max(float(fraction), 0.0), 1.0)
            self.progress(self.lo + (self.hi - self.lo) * f, message)

    def part(self, lo: float, hi: float) -> Checkpoints:
        """The share [lo, hi] (fractions of this part) of the work."""
        span = self.hi - self.lo
        return Checkpoints(self.should_stop, self.progress, self.lo + span * lo, self.lo + span * hi)


def row_chunks(n: int, work_per_row: int) -> list[tuple[int, int]]:
    """Row ranges of at most WORK_PER_CHUNK multiply-adds each (one range for small work)."""
    step = max(1, WORK_PER_CHUNK // max(int(work_per_row), 1))
    return [(s, min(n, s + step)) for s in range(0, n, step)] or [(0, 0)]
