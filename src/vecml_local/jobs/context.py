"""What a running job sees (`JobContext`: its payload, progress, cancellation, finish) and the
small pieces the runner and the status endpoints share about jobs."""

from __future__ import annotations

import hashlib
import hmac
import math
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from ..storage import Database, Job
from ..timefmt import now

__all__ = [
    "JobContext",
    "JobCancelled",
    "JobHandler",
    "Progress",
    "TerminalAnswers",
    "TERMINAL",
    "RESTART_MESSAGE",
    "PERSIST_EVERY",
    "make_job_id",
    "job_id_prefix",
]

TERMINAL = ("finished", "failed")
RESTART_MESSAGE = "The server restarted while this job was running; submit it again"
PERSIST_EVERY = 1.0  # seconds between writes of running jobs' progress to their rows


class JobCancelled(Exception):
    """Raised inside a handler's final transaction when the job was cancelled meanwhile."""


def job_id_prefix(secret: bytes, tenant: str) -> str:
    """The first part of a tenant's job ids: 12 hex digits of an HMAC of its id under the
    install's secret, so a job id tells nothing about the key that made it (an unsalted hash
    of the key could be matched against a guessed key)."""
    return hmac.new(secret, tenant.encode(), hashlib.sha256).hexdigest()[:12]


def make_job_id(prefix: str, project: str, collection: str, label: str) -> str:
    """`<job_id_prefix>||<project>||<collection>||<Kind>||<uuid>` (DESIGN §4). Job ids are
    looked up as stored, never recomputed: ids made under another prefix keep working."""
    return "||".join((prefix, project, collection, label, uuid.uuid4().hex[:12]))


@dataclass(frozen=True)
class Progress:
    """What a running job last said about itself (replaced whole, so readers never see half)."""

    value: float = 0.0
    message: str = ""
    eta_seconds: float | None = None


@dataclass
class JobContext:
    seq: int
    job_id: str
    tenant: str
    kind: str
    payload: dict[str, Any]
    db: Database
    cancel_event: threading.Event
    finished: bool = False
    progress: Progress = field(default_factory=Progress)
    started: float = field(default_factory=time.monotonic)
    # Set by `report`, cleared by the runner's persister once written to the row.
    dirty: bool = False

    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def report(self, progress: float, message: str = "", eta_seconds: float | None = None) -> None:
        """Tell pollers how far the job is (0..1, never going back), what it is doing and,
        if known, how long it still needs. Cheap: memory only; the runner writes it to the
        job row at most every PERSIST_EVERY seconds. Without an `eta_seconds` the status
        answer extrapolates the time left from the time spent so far, when it is asked."""
        value = float(progress) if math.isfinite(float(progress)) else 0.0
        value = min(1.0, max(self.progress.value, value))
        if eta_seconds is not None:
            eta_seconds = max(0.0, round(float(eta_seconds), 1)) if math.isfinite(float(eta_seconds)) else None
        self.progress = Progress(value, message or self.progress.message, eta_seconds)
        self.dirty = True

    def finish(self, session: Session, result: dict[str, Any]) -> None:
        """Mark the job finished inside the handler's own transaction (atomic with its writes)."""
        job = session.get(Job, self.seq, with_for_update=not self.db.is_sqlite)
        if job is None or job.status != "in_progress":
            raise JobCancelled(self.job_id)
        job.status = "finished"
        job.result = result
        job.finished_at = now()
        job.progress, job.progress_message, job.eta_seconds = 1.0, "finished", 0.0
        self.finished = True
        self.progress = Progress(1.0, "finished", 0.0)


JobHandler = Callable[[JobContext], "dict[str, Any] | None"]


class TerminalAnswers:
    """Rendered status answers of jobs that reached `finished` or `failed`: such a job never
    changes again, so polls of it are served from memory (bounded, least recently used out).
    Jobs deleted by a reset are forgotten."""

    def __init__(self, capacity: int = 20_000) -> None:
        self.capacity = capacity
        self._answers: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> dict[str, Any] | None:
        with self._lock:
            answer = self._answers.get(key)
            if answer is not None:
                self._answers.move_to_end(key)
            return answer

    def put(self, key: tuple[str, str], answer: dict[str, Any]) -> None:
        with self._lock:
            self._answers[key] = answer
            while len(self._answers) > self.capacity:
                self._answers.popitem(last=False)

    def forget(self, job_ids: Iterable[str]) -> None:
        doomed = set(job_ids)
        with self._lock:
            for key in [key for key in self._answers if key[1] in doomed]:
                del self._answers[key]
