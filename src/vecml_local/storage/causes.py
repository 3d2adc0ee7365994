"""Walking what led to an exception, for the checks that classify storage failures
(`space.storage_problem`: disk full or read-only; `db.database_unavailable`: PostgreSQL gone)."""

from __future__ import annotations

from collections.abc import Iterator

__all__ = ["causes"]


def causes(error: BaseException) -> Iterator[BaseException]:
    """`error`, then everything behind it, each once: the driver's own error that SQLAlchemy
    wraps (`orig`), `__cause__` and `__context__` (the failure may sit several wrappers deep)."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [error]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack.extend([getattr(current, "orig", None), current.__cause__, current.__context__])
