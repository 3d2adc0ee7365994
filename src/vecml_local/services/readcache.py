"""Answers of read-only calls, kept while the database has not changed since.

`Database.version` moves after every commit that wrote something, so an answer computed
at version v is still right while the version is v. That holds only while this process
is the database's one writer: the data-dir lock guarantees it for the default SQLite
file; with another URL (PostgreSQL, possibly shared by several servers) nothing is cached.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from pydantic import BaseModel

from ..storage import Database

__all__ = ["ReadCache", "cached_read"]

F = TypeVar("F", bound=Callable[..., Any])


class ReadCache:
    def __init__(self, db: Database, enabled: bool, capacity: int = 5_000) -> None:
        self.db = db
        self.enabled = enabled
        self.capacity = capacity
        self._answers: OrderedDict[Hashable, tuple[int, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self._lock:
            hit = self._answers.get(key)
            if hit is None:
                return None
            if hit[0] != self.db.version:
                del self._answers[key]
                return None
            self._answers.move_to_end(key)
            return hit[1]

    def put(self, key: Hashable, version: int, answer: Any) -> None:
        with self._lock:
            self._answers[key] = (version, answer)
            while len(self._answers) > self.capacity:
                self._answers.popitem(last=False)


def _key(name: str, args: tuple[Any, ...]) -> Hashable:
    """Typed requests are keyed by their JSON; other arguments must be hashable."""
    return (name, *(arg.model_dump_json().encode() if isinstance(arg, BaseModel) else arg for arg in args))


def cached_read(method: F) -> F:
    """For service methods `(self, *hashable args) -> answer` that only read the database
    (the service has `self.context.read_cache`). Errors are not cached."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any) -> Any:
        cache: ReadCache = self.context.read_cache
        if not cache.enabled:
            return method(self, *args)
        key = _key(method.__qualname__, args)
        try:
            hit = cache.get(key)
        except TypeError:  # an unhashable argument: nothing to key on
            return method(self, *args)
        if hit is not None:
            return hit
        version = cache.db.version  # taken before reading: a commit meanwhile makes the answer stale
        answer = method(self, *args)
        cache.put(key, version, answer)
        return answer

    def peek(self: Any, *args: Any) -> Any:
        """The cached answer, or None (then call the method in a worker thread)."""
        cache: ReadCache = self.context.read_cache
        try:
            return cache.get(_key(method.__qualname__, args)) if cache.enabled else None
        except TypeError:
            return None

    wrapper.peek = peek  # type: ignore[attr-defined]  # a function attribute: the cached answer, without a thread hop
    return wrapper  # type: ignore[return-value]  # the wrapper has the method's signature (functools.wraps)
