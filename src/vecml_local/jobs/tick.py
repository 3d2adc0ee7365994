"""The job runner's background tick, mixed into `JobRunner` (jobs/runner.py): every
RETRY_EVERY seconds it gives the jobs held back another try (on a shared database after
queueing every pending job of the database, jobs/replicas.py), and every PERSIST_EVERY
seconds it writes the running jobs' progress to their rows and keeps this replica's lease.
Also the queue entry both use, and how long a job waits for a down executor."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import update

from ..storage import Database, Job
from ..storage.db import database_unavailable
from ..timefmt import now
from .context import PERSIST_EVERY, RESTART_MESSAGE, JobContext
from .replicas import ReplicaRegistry, queue_plan

if TYPE_CHECKING:
    from .executors import JobExecutor

__all__ = ["QueueEntry", "RunnerTick", "RETRY_EVERY"]

log = logging.getLogger("vecml_local.jobs")

RETRY_EVERY = 0.25  # seconds between tries of jobs held back by another replica's job or a down executor


@dataclass
class QueueEntry:
    seq: int
    keys: frozenset[int]
    running: bool = False
    # Not startable before the next tick: another replica's job holds its order, or the executor is down.
    waiting: bool = False
    waiting_since: float | None = None  # monotonic time the executor was first found down for it
    cancel_event: threading.Event = field(default_factory=threading.Event)


class RunnerTick:
    """The part of `JobRunner` its tick thread runs; the attributes are the runner's."""

    db: Database
    executor: JobExecutor
    executor_wait_seconds: float
    replicas: ReplicaRegistry | None
    recovered: list[Callable[[], object]]
    _entries: dict[int, QueueEntry]
    _live: dict[int, JobContext]
    _lock: threading.Lock
    _stopping: threading.Event

    def _dispatch_ready(self) -> None:
        raise NotImplementedError  # JobRunner's

    def _transition(self, kind: str, job_id: str, state: str, seconds: float | None, error: str = "") -> None:
        raise NotImplementedError  # JobRunner's

    def _wait_for_executor(self, entry: QueueEntry, kind: str) -> bool:
        """The job stays pending while the executor is down, `executor_wait_seconds` at most."""
        started = entry.waiting_since = entry.waiting_since or time.monotonic()
        if time.monotonic() - started < self.executor_wait_seconds:
            return False
        message = self.executor.down_message(self.executor_wait_seconds)
        with self.db.session() as session:
            job_id = session.scalar(
                update(Job)
                .where(Job.seq == entry.seq, Job.status == "pending")
                .values(status="failed", error_message=message, finished_at=now())
                .returning(Job.job_id)
                .execution_options(synchronize_session=False)
            )
        if job_id is not None:
            self._transition(kind, job_id, "failed", None, message)
            for hook in self.recovered:  # its model, if any, fails with it
                hook()
        return True

    def _tick_loop(self) -> None:
        """From this thread only: every PERSIST_EVERY seconds write the running jobs' reported
        progress to their rows (a handler's `report` never waits for the database, nor for a
        write lock its own open transaction may hold) and keep the replica's lease; every
        RETRY_EVERY seconds `tick`."""
        upkeep_at = time.monotonic() + PERSIST_EVERY
        while not self._stopping.wait(RETRY_EVERY):
            upkeep = time.monotonic() >= upkeep_at
            if upkeep:
                upkeep_at = time.monotonic() + PERSIST_EVERY
                self.persist_progress()
                self._replica_upkeep()
            self.tick(retry_executor=upkeep)

    def _replica_upkeep(self) -> None:
        """Heartbeat; fail the jobs of replicas past their lease (and their models); stop the
        jobs running here whose row another replica ended."""
        if self.replicas is None:
            return
        try:
            self.replicas.heartbeat()
            failed = self.replicas.recover()
            # Cancelled through another replica (a delete there failed the row): stop here too.
            for seq in self.replicas.ended_elsewhere(list(self._live)):
                if (context := self._live.get(seq)) is not None:
                    context.cancel_event.set()
        except Exception as error:  # the database is away: the next round tries again
            self.replicas.healthy_since = None
            log.warning("replica upkeep failed", exc_info=not database_unavailable(error))
            return
        for kind, job_id in failed:
            self._transition(kind, job_id, "failed", None, RESTART_MESSAGE)
        if failed:
            for hook in self.recovered:
                hook()

    def tick(self, retry_executor: bool = True) -> None:
        """Give the waiting entries another try (those waiting for the executor only with
        `retry_executor`). On a shared database, first queue every pending job of the
        database and hold back those another replica's job blocks."""
        plan = None
        if self.replicas is not None:
            try:
                with self.db.session() as session:
                    plan = queue_plan(session)
            except Exception:
                log.warning("could not read the job queue", exc_info=True)
        with self._lock:
            held: set[int] = set()
            if plan is not None:
                pending, startable = plan
                for seq, keys in pending:
                    self._entries.setdefault(seq, QueueEntry(seq, keys))
                held = {seq for seq, _keys in pending} - startable
            for entry in self._entries.values():
                entry.waiting = entry.seq in held or (entry.waiting_since is not None and not retry_executor)
            self._dispatch_ready()

    def persist_progress(self) -> None:
        dirty = [context for context in list(self._live.values()) if context.dirty]
        if not dirty:
            return
        try:
            with self.db.session() as session:
                for context in dirty:
                    context.dirty = False
                    progress = context.progress
                    session.execute(
                        update(Job)
                        .where(Job.seq == context.seq, Job.status == "in_progress")
                        .values(
                            progress=progress.value,
                            progress_message=progress.message[:500],
                            eta_seconds=progress.eta_seconds,
                        )
                    )
        except Exception as error:  # a full or read-only disk: progress stays visible from memory
            log.warning("could not save job progress", exc_info=not database_unavailable(error))
