"""The one job runner: persisted jobs, a thread pool, per-collection submission order.

A job names the collections it reads or writes (`collection_ids`). A job starts
only when every earlier unfinished job sharing one of those collections has
ended, so a label job runs after the uploads sent before it and training waits
for both. Jobs with disjoint collections run in parallel on `workers` threads.

A job starts only through an atomic claim of its row (jobs/replicas.py): on a database
shared by several API replicas, each queues every pending job, checks the order against the
whole database and the claim decides which one runs it. A job whose executor is down (the
Dask scheduler unreachable) stays pending and is tried again every tick, for at most
`executor_wait_seconds`.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..errors import VecmlError
from ..logs import log_event
from ..ml import Cancelled
from ..redact import without_paths
from ..storage import Database, Job
from ..storage.db import database_unavailable
from ..storage.space import MESSAGES as STORAGE_MESSAGES
from ..storage.space import storage_problem
from ..timefmt import now
from .backpressure import check_queue
from .context import (
    PERSIST_EVERY,
    RESTART_MESSAGE,
    TERMINAL,
    JobCancelled,
    JobContext,
    JobHandler,
    Progress,
    TerminalAnswers,
    make_job_id,
)
from .replicas import ReplicaRegistry, claim_job, new_owner_id
from .tick import QueueEntry as _Entry
from .tick import RunnerTick

if TYPE_CHECKING:
    from .executors import JobExecutor

__all__ = [
    "JobRunner",
    "JobContext",
    "JobCancelled",
    "JobHandler",
    "Progress",
    "TerminalAnswers",
    "TERMINAL",
    "PERSIST_EVERY",
    "make_job_id",
]

log = logging.getLogger("vecml_local.jobs")


class JobRunner(RunnerTick):
    def __init__(self, db: Database, workers: int) -> None:
        self.db = db
        self.workers = workers
        self.handlers: dict[str, JobHandler] = {}
        self._entries: dict[int, _Entry] = {}
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._threads: ThreadPoolExecutor | None = None
        self._live: dict[int, JobContext] = {}  # running jobs of this process, by seq
        self._stopping = threading.Event()
        self._persister: threading.Thread | None = None
        self.answers = TerminalAnswers()
        # Called with (kind, new state, seconds the job ran or None) on every state change (metrics).
        self.observers: list[Callable[[str, str, float | None], None]] = []
        # Where handlers run (jobs/executors.py); the services may swap in the Dask executor.
        from .executors import LocalExecutor

        self.executor: JobExecutor = LocalExecutor()
        self.max_queued_per_tenant = 0  # unfinished jobs per key before RateLimited (jobs/backpressure.py)
        self.owner = new_owner_id()  # recorded in the rows of the jobs this process claims
        # Set by the services on a database several API replicas share (jobs/replicas.py).
        self.replicas: ReplicaRegistry | None = None
        self.recovered: list[Callable[[], object]] = []  # called after jobs of a dead replica were failed
        self.executor_wait_seconds = 600.0  # a pending job waits this long for a down executor, then fails

    # -- life cycle ----------------------------------------------------------
    def register(self, kind: str, handler: JobHandler) -> None:
        self.handlers[kind] = handler

    def fail_interrupted(self) -> None:
        """Jobs a crash left `in_progress` are failed: their half-done work is not trusted.
        On a shared database only those no live replica owns (the others are still running)."""
        if self.replicas is not None:
            for kind, job_id in self.replicas.recover():
                self._transition(kind, job_id, "failed", None, RESTART_MESSAGE)
            return
        with self.db.session() as session:
            for job in session.scalars(select(Job).where(Job.status == "in_progress")):
                job.status, job.error_message, job.finished_at = "failed", RESTART_MESSAGE, now()
                self._transition(job.kind, job.job_id, "failed", None, RESTART_MESSAGE)

    def start(self) -> None:
        """Start the workers and queue the pending jobs in submission order."""
        self._threads = ThreadPoolExecutor(self.workers, thread_name_prefix="vecml-job")
        self._stopping.clear()
        self._persister = threading.Thread(target=self._tick_loop, name="vecml-job-progress", daemon=True)
        self._persister.start()
        with self.db.session() as session:
            pending = session.scalars(select(Job).where(Job.status == "pending").order_by(Job.seq)).all()
            queued = [(job.seq, job.collection_ids) for job in pending]
        for seq, collection_ids in queued:
            self.enqueue(seq, collection_ids)

    def stop(self, grace: float | None = None) -> None:
        """Tell running jobs to stop and wait for them: without end, or `grace` seconds at most
        (jobs still running then are left to the process's exit; the next start fails them)."""
        with self._lock:
            for entry in self._entries.values():
                entry.cancel_event.set()
        if self._threads:
            self._threads.shutdown(wait=grace is None, cancel_futures=True)
            deadline = time.monotonic() + (grace or 0)
            while self._live and time.monotonic() < deadline:
                time.sleep(0.05)  # polling the running set; jobs check their cancel event at their own pace
            self._threads = None
        self.executor.close()
        self._stopping.set()
        if self._persister is not None:
            self._persister.join(timeout=10)
            self._persister = None
        if self.replicas is not None:
            try:
                self.replicas.deregister()
            except Exception:  # the database is gone: the lease runs out by itself
                log.warning("could not deregister replica %s", self.owner, exc_info=True)

    @property
    def running(self) -> bool:
        return self._threads is not None

    def live_jobs(self) -> int:
        """Jobs of this process whose handler is still running (after `stop`: those that did not stop)."""
        return len(self._live)

    # -- submission ----------------------------------------------------------
    def create(
        self,
        session: Session,
        *,
        kind: str,
        job_id: str,
        tenant: str,
        collection_ids: Iterable[int],
        payload: dict[str, Any],
        project_name: str = "",
        collection_name: str = "",
        model_name: str = "",
    ) -> Job:
        """Add a pending job row in the caller's transaction; call `enqueue` after commit."""
        check_queue(session, tenant, self.max_queued_per_tenant)  # over the limit: RateLimited
        job = Job(
            job_id=job_id,
            tenant=tenant,
            kind=kind,
            status="pending",
            project_name=project_name,
            collection_name=collection_name,
            model_name=model_name,
            collection_ids=sorted(set(collection_ids)),
            payload=payload,
            result={},
            error_message="",
            poll_count=0,
            created_at=now(),
        )
        session.add(job)
        session.flush()
        return job

    def enqueue(self, seq: int, collection_ids: Iterable[int]) -> None:
        with self._lock:
            self._entries.setdefault(seq, _Entry(seq, frozenset(collection_ids)))
            self._dispatch_ready()

    def cancel(self, session: Session, jobs: Iterable[Job], message: str) -> None:
        """Fail unfinished jobs now (in the caller's transaction); running ones are told to stop."""
        for job in jobs:
            if job.status in TERMINAL:
                continue
            job.status, job.error_message, job.finished_at = "failed", message, now()
            with self._lock:
                entry = self._entries.get(job.seq)
                if entry:
                    entry.cancel_event.set()
            context = self._live.get(job.seq)
            elapsed = time.monotonic() - context.started if context is not None else None
            self._transition(job.kind, job.job_id, "failed", elapsed, message)

    def queue_depth(self) -> tuple[int, int]:
        """(jobs queued in this process, jobs running) right now."""
        with self._lock:
            running = sum(entry.running for entry in self._entries.values())
            return len(self._entries) - running, running

    def forget(self, job_ids: Iterable[str]) -> None:
        """The jobs' rows were deleted: drop what memory still holds about them."""
        self.answers.forget(job_ids)

    def live_progress(self, seq: int) -> Progress | None:
        """The progress a job running in this process reported last (None if not running here)."""
        context = self._live.get(seq)
        return context.progress if context is not None else None

    def wait_idle(self, timeout: float) -> bool:
        """Block until no job is queued or running (used by tests and shutdown)."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._entries, timeout)

    # -- dispatch ------------------------------------------------------------
    def _dispatch_ready(self) -> None:
        if self._threads is None:
            return
        busy: set[int] = set()
        running = sum(entry.running for entry in self._entries.values())
        for seq in sorted(self._entries):
            entry = self._entries[seq]
            blocked = bool(entry.keys & busy)
            busy |= entry.keys
            if entry.running or entry.waiting or blocked or running >= self.workers:
                continue
            entry.running = True
            running += 1
            self._threads.submit(self._run, entry)

    def _run(self, entry: _Entry) -> None:
        done, again = True, False
        try:
            done = self._execute(entry)
        except Exception as error:
            if not database_unavailable(error) or storage_problem(error) is not None:
                raise
            again = self._back_to_pending(entry)
        finally:
            with self._lock:
                if done:
                    self._entries.pop(entry.seq, None)
                else:  # stays queued, holding its collections; the next tick tries again
                    entry.running, entry.waiting = False, True
                if again:  # same seq: it keeps its place in its collections' order
                    self._entries[entry.seq] = _Entry(entry.seq, entry.keys)
                self._dispatch_ready()
                self._idle.notify_all()

    def _back_to_pending(self, entry: _Entry) -> bool:
        """The database went away as the job started or ran (PostgreSQL restarting): wait until
        it answers again, make the job pending again (it is redone from the start: handlers keep
        their staged input when the database is the problem) and queue it. An accepted job is
        never lost to an outage. False when the server stops or the job is cancelled first."""
        log_event(log, logging.WARNING, "job waits for the database", seq=entry.seq)
        while not (self._stopping.is_set() or entry.cancel_event.is_set()):
            if self.db.ping():
                try:
                    with self.db.session() as session:
                        session.execute(
                            update(Job)
                            .where(Job.seq == entry.seq, Job.status == "in_progress")
                            .values(status="pending", started_at=None, progress=None, progress_message=None)
                        )
                    return True
                except Exception as error:
                    if not database_unavailable(error):
                        raise
            self._stopping.wait(0.5)
        return False

    def _execute(self, entry: _Entry) -> bool:
        """Claim and run the entry's job; False when it cannot start yet (keep it queued)."""
        if self.executor.name != "local":  # a job for a down executor stays pending
            with self.db.session() as session:
                kind = session.scalar(select(Job.kind).where(Job.seq == entry.seq, Job.status == "pending"))
            if kind is None:
                return True  # ran elsewhere, or cancelled
            if not self.executor.available(kind):
                return self._wait_for_executor(entry, kind)
            entry.waiting_since = None
        with self.db.session() as session:
            claim = claim_job(session, entry.seq, entry.keys, self.owner, check_order=self.replicas is not None)
            if claim != "claimed":
                return claim == "gone"
            job = session.get(Job, entry.seq)
            assert job is not None
            context = JobContext(
                seq=job.seq,
                job_id=job.job_id,
                tenant=job.tenant,
                kind=job.kind,
                payload=dict(job.payload),
                db=self.db,
                cancel_event=entry.cancel_event,
                progress=Progress(0.0, "started"),
            )
        handler = self.handlers.get(context.kind)
        self._live[context.seq] = context
        self._transition(context.kind, context.job_id, "in_progress", None)
        try:
            if handler is None:
                raise VecmlError(f"No handler for job kind {context.kind!r}")
            result = self.executor.run(context, handler)
            if not context.finished:
                with self.db.session() as session:
                    context.finish(session, result or {})
            self._transition(context.kind, context.job_id, "finished", time.monotonic() - context.started)
        except (JobCancelled, Cancelled) as error:
            self._stopped(context, error)
        except VecmlError as error:
            self._fail(context, error.message)
        except Exception as error:  # a bug, not the client's fault: keep the server alive
            if context.cancelled():
                self._stopped(context, error)  # whatever the interrupted step raised
                return True
            if (problem := storage_problem(error)) is not None:  # a full disk is no bug: no traceback per job
                self._fail(context, STORAGE_MESSAGES[problem])
                return True
            if database_unavailable(error):
                raise  # not the job's fault: `_run` queues it again once the database is back
            error_id = uuid.uuid4().hex[:12]
            log.error("job %s failed: internal error %s", context.job_id, error_id, exc_info=error)
            self._fail(context, without_paths(f"Internal error (error id {error_id}): {type(error).__name__}: {error}"))
        finally:
            self._live.pop(context.seq, None)
        return True

    def _stopped(self, context: JobContext, error: Exception) -> None:
        """A job's work ended on a cancel: one info line (the cancel itself logged the job as
        failed). `ml.Cancelled` without a cancel seen here (a delete handled by another
        process, its worker stopped first) fails the job if nothing did yet."""
        if isinstance(error, Cancelled) and not context.cancelled():
            self._fail(context, "Cancelled")
        seconds = round(time.monotonic() - context.started, 3)
        fields = {
            "kind": context.kind,
            "job_id": context.job_id,
            "duration_s": seconds,
            "stopped_by": type(error).__name__,
        }
        log_event(log, logging.INFO, "job work stopped after a cancel", **fields)

    def _transition(self, kind: str, job_id: str, state: str, seconds: float | None, error: str = "") -> None:
        """One log line per job state change; observers (metrics) hear of it too."""
        fields: dict[str, Any] = {"kind": kind, "job_id": job_id, "state": state}
        if seconds is not None:
            fields["duration_s"] = round(seconds, 3)
        if error:
            fields["error"] = error
        log_event(log, logging.WARNING if state == "failed" else logging.INFO, f"job {state}", **fields)
        for observer in self.observers:
            observer(kind, state, seconds)

    def _fail(self, context: JobContext, message: str) -> None:
        failed = False
        with self.db.session() as session:
            job = session.get(Job, context.seq)
            if job is not None and job.status == "in_progress":
                failed = True
                job.status, job.error_message, job.finished_at = "failed", message, now()
                job.progress, job.progress_message = context.progress.value, context.progress.message
                job.eta_seconds = None
        if failed:
            self._transition(context.kind, context.job_id, "failed", time.monotonic() - context.started, message)
