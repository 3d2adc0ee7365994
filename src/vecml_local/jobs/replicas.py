"""Several API processes (replicas) on one shared metadata database and data dir.

With SQLite the data dir belongs to one server (storage/datadir_lock.py). With PostgreSQL,
any number of API processes may serve the same tenants from one database and one shared
data dir; what keeps them from tripping over each other lives here:

- **Registration**: each replica has a row in `replicas` (id, host, pid, port, start,
  heartbeat), written at start, refreshed on every tick of its runner (every second) and
  deleted at a clean stop. A replica is alive while its heartbeat is younger than the lease
  (`VECML_LOCAL_REPLICA_LEASE_SECONDS`), measured on the database server's clock, so the
  replicas' own clocks never matter.
- **Claiming**: a job leaves `pending` only through `claim_job`: one UPDATE ... WHERE
  status = 'pending' whose row count says who won, naming the claiming replica as the
  job's `owner` and counting `attempts`. Two replicas queueing the same job run it once.
- **Order**: before claiming, the job must have no unfinished earlier job and no running
  job on any of its collections in the whole database (not only in this process's queue).
  On PostgreSQL the check and the claim hold a transaction-scoped advisory lock, so two
  replicas never both pass the check for two jobs of one collection.
- **Leases**: on every tick a replica deletes the rows of replicas whose heartbeat is older
  than the lease and fails the jobs they (or any owner without a live row) left
  `in_progress`, with the restart message, exactly as a restarted single server does.
  Their pending jobs simply run elsewhere: every replica queues every pending job. A
  replica judges others' heartbeats only after its own have succeeded for a whole lease:
  after a database outage every replica's heartbeat is old, and none may take the others
  for dead before they had the time to beat again.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from datetime import timedelta
from typing import Any, Literal, cast

from sqlalchemy import CursorResult, delete, func, insert, or_, select, text, update
from sqlalchemy.orm import Session

from ..storage import Database, Job, Replica
from ..timefmt import now
from .context import RESTART_MESSAGE

__all__ = ["ReplicaRegistry", "claim_job", "queue_plan", "new_owner_id", "Claim"]

log = logging.getLogger("vecml_local.jobs")

_ORDER_LOCK = 0x7665636D6C  # pg_advisory_xact_lock key ("vecml") serialising claim checks

Claim = Literal["claimed", "gone", "blocked"]


def new_owner_id() -> str:
    """`host:pid:random`: unique per process start, readable in the job row and the logs."""
    return f"{socket.gethostname()[:120]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def claim_job(session: Session, seq: int, keys: frozenset[int], owner: str, *, check_order: bool) -> Claim:
    """Move job `seq` from pending to in_progress for `owner`, in the caller's transaction.

    "gone": another replica claimed it first, or it was cancelled. "blocked" (only with
    `check_order`): an earlier unfinished or a running job shares one of its collections."""
    if check_order and keys:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ORDER_LOCK})
        others = session.execute(
            select(Job.collection_ids).where(
                Job.seq != seq,
                or_(Job.status == "in_progress", (Job.status == "pending") & (Job.seq < seq)),
            )
        )
        if any(keys.intersection(ids or ()) for (ids,) in others):
            return "blocked"
    claimed = cast(
        "CursorResult[Any]",
        session.execute(
            update(Job)
            .where(Job.seq == seq, Job.status == "pending")
            .values(
                status="in_progress",
                started_at=now(),
                progress=0.0,
                progress_message="started",
                eta_seconds=None,
                owner=owner,
                attempts=func.coalesce(Job.attempts, 0) + 1,
            )
            .execution_options(synchronize_session=False),
        ),
    )
    return "claimed" if claimed.rowcount == 1 else "gone"


def queue_plan(session: Session) -> tuple[list[tuple[int, frozenset[int]]], set[int]]:
    """Every pending job of the database as (seq, collections) in submission order, and the
    seqs that may start now: no running job and no earlier pending job shares a collection.
    One read per tick; `claim_job` checks again, under the lock, before anything starts."""
    rows = session.execute(
        select(Job.seq, Job.status, Job.collection_ids)
        .where(Job.status.in_(("pending", "in_progress")))
        .order_by(Job.seq)
    ).all()
    busy: set[int] = set()
    for _seq, status, ids in rows:
        if status == "in_progress":
            busy.update(ids or ())
    pending, startable = [], set()
    for seq, status, ids in rows:
        if status != "pending":
            continue
        keys = frozenset(ids or ())
        pending.append((seq, keys))
        if not keys & busy:
            startable.add(seq)
        busy |= keys
    return pending, startable


class ReplicaRegistry:
    """This process's row in `replicas`, and the lease rules over everyone's rows."""

    def __init__(self, db: Database, lease_seconds: float, owner: str, port: int = 0) -> None:
        self.db = db
        self.lease = timedelta(seconds=lease_seconds)
        self.id = owner
        self.port = port
        # Since when (monotonic) this replica's own heartbeats succeed; None after a failure.
        self.healthy_since: float | None = None

    def register(self) -> None:
        host, pid = socket.gethostname()[:200], os.getpid()
        with self.db.session() as session:
            session.execute(delete(Replica).where(Replica.id == self.id))
            session.execute(
                insert(Replica).values(
                    id=self.id, host=host, pid=pid, port=self.port, started_at=func.now(), heartbeat_at=func.now()
                )
            )
        self.healthy_since = self.healthy_since or time.monotonic()
        log.info("replica %s registered (lease %.0f s)", self.id, self.lease.total_seconds())

    def heartbeat(self) -> None:
        with self.db.session() as session:
            beat = cast(
                "CursorResult[Any]",
                session.execute(
                    update(Replica).where(Replica.id == self.id).values(heartbeat_at=func.now(), port=self.port)
                ),
            )
        if beat.rowcount == 0:  # declared dead meanwhile (a stall longer than the lease): its jobs were failed
            log.warning("replica %s had lost its lease; registering again", self.id)
            self.register()
        self.healthy_since = self.healthy_since or time.monotonic()

    def deregister(self) -> None:
        with self.db.session() as session:
            session.execute(delete(Replica).where(Replica.id == self.id))

    def others_alive(self) -> list[str]:
        with self.db.session() as session:
            return list(
                session.scalars(
                    select(Replica.id).where(Replica.id != self.id, Replica.heartbeat_at >= func.now() - self.lease)
                )
            )

    def ended_elsewhere(self, seqs: list[int]) -> set[int]:
        """Of the jobs running here, those whose row is no longer `in_progress`."""
        if not seqs:
            return set()
        with self.db.session() as session:
            running = set(session.scalars(select(Job.seq).where(Job.seq.in_(seqs), Job.status == "in_progress")))
        return set(seqs) - running

    def recover(self) -> list[tuple[str, str]]:
        """Forget replicas past their lease and fail the jobs no live replica owns;
        return those jobs' (kind, job_id)."""
        judge = self.healthy_since is not None and time.monotonic() - self.healthy_since >= self.lease.total_seconds()
        with self.db.session() as session:
            dead = []
            if judge:
                dead = list(session.scalars(select(Replica.id).where(Replica.heartbeat_at < func.now() - self.lease)))
            if dead:
                session.execute(delete(Replica).where(Replica.id.in_(dead)))
                log.warning("replicas past their lease: %s", ", ".join(dead))
            orphans = session.execute(
                update(Job)
                .where(Job.status == "in_progress", or_(Job.owner.is_(None), Job.owner.not_in(select(Replica.id))))
                .values(status="failed", error_message=RESTART_MESSAGE, finished_at=now())
                .returning(Job.kind, Job.job_id)
                .execution_options(synchronize_session=False)
            ).all()
        return [(kind, job_id) for kind, job_id in orphans]
