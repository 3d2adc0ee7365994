"""The pieces that keep API replicas on one database apart (jobs/replicas.py): the atomic
claim, the order check across the whole database, the queue plan, and (PostgreSQL) leases."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from tests.database import make_test_database
from vecml_local.jobs.context import RESTART_MESSAGE
from vecml_local.jobs.replicas import ReplicaRegistry, claim_job, queue_plan
from vecml_local.storage import Database, Job, Replica


def _job(db: Database, name: str, collections: list[int], status: str = "pending", owner: str | None = None) -> int:
    with db.session() as session:
        job = Job(
            job_id=name,
            tenant="t",
            kind="record",
            status=status,
            collection_ids=collections,
            payload={},
            result={},
            error_message="",
            poll_count=0,
            created_at=datetime.now(),
            owner=owner,
        )
        session.add(job)
        session.flush()
        return job.seq


def _claim(db: Database, seq: int, keys: list[int], owner: str, check_order: bool = True) -> str:
    with db.session() as session:
        return claim_job(session, seq, frozenset(keys), owner, check_order=check_order)


def _row(db: Database, seq: int) -> Job:
    with db.session() as session:
        job = session.get(Job, seq)
        assert job is not None
        return job


def test_a_job_is_claimed_once(tmp_path: Path) -> None:
    db = make_test_database(tmp_path / "jobs.db")
    seq = _job(db, "a", [1])
    assert _claim(db, seq, [1], "replica-1") == "claimed"
    assert _claim(db, seq, [1], "replica-2") == "gone"
    job = _row(db, seq)
    assert (job.status, job.owner, job.attempts) == ("in_progress", "replica-1", 1)


def test_order_holds_across_the_whole_database(tmp_path: Path) -> None:
    db = make_test_database(tmp_path / "jobs.db")
    first, second, elsewhere = _job(db, "first", [1]), _job(db, "second", [1, 2]), _job(db, "other", [3])
    with db.session() as session:
        plan = queue_plan(session)
    assert plan == ([(first, {1}), (second, {1, 2}), (elsewhere, {3})], {first, elsewhere})
    assert _claim(db, second, [1, 2], "r2") == "blocked"  # an earlier pending job shares collection 1
    assert _claim(db, first, [1], "r1") == "claimed"
    assert _claim(db, second, [1, 2], "r2") == "blocked"  # now it runs
    assert _claim(db, elsewhere, [3], "r2") == "claimed"  # disjoint collections do not wait
    with db.session() as session:
        session.get(Job, first).status = "finished"  # type: ignore[union-attr]
    assert _claim(db, second, [1, 2], "r2") == "claimed"
    assert _row(db, second).status == "in_progress"


def test_a_later_job_never_runs_beside_a_running_one(tmp_path: Path) -> None:
    """Even one committed out of seq order: a running job holds its collections."""
    db = make_test_database(tmp_path / "jobs.db")
    earlier, later = _job(db, "earlier", [1]), _job(db, "later", [1])
    assert _claim(db, later, [1], "r1", check_order=False) == "claimed"
    assert _claim(db, earlier, [1], "r2") == "blocked"


def test_leases(tmp_path: Path) -> None:
    db = make_test_database(tmp_path / "jobs.db")
    if db.is_sqlite:
        pytest.skip("replicas share PostgreSQL; leases use the database server's clock")
    me = ReplicaRegistry(db, 30, "me")
    me.register()
    assert me.healthy_since is not None
    me.healthy_since -= 30  # its own heartbeats have worked for a lease: it may judge others
    with db.session() as session:  # a replica silent for an hour, and one fresh
        session.execute(
            insert(Replica).values(
                id="dead", host="h", pid=1, port=0, started_at=func.now(), heartbeat_at=func.now() - timedelta(hours=1)
            )
        )
    ReplicaRegistry(db, 30, "alive").register()
    mine, theirs, alive, legacy = (
        _job(db, "mine", [1], "in_progress", "me"),
        _job(db, "theirs", [2], "in_progress", "dead"),
        _job(db, "alive", [3], "in_progress", "alive"),
        _job(db, "legacy", [4], "in_progress", None),
    )
    assert sorted(me.others_alive()) == ["alive"]
    assert sorted(job_id for _kind, job_id in me.recover()) == ["legacy", "theirs"]
    assert [_row(db, seq).status for seq in (mine, theirs, alive, legacy)] == [
        "in_progress",
        "failed",
        "in_progress",
        "failed",
    ]
    assert _row(db, theirs).error_message == RESTART_MESSAGE
    with db.session() as session:
        assert sorted(session.scalars(select(Replica.id))) == ["alive", "me"]
    with db.session() as session:  # declared dead meanwhile: the next heartbeat registers again
        session.execute(Replica.__table__.delete().where(Replica.id == "me"))
    me.heartbeat()
    assert sorted(me.others_alive()) == ["alive"]
    with db.session() as session:
        assert sorted(session.scalars(select(Replica.id))) == ["alive", "me"]
    me.deregister()
    with db.session() as session:
        assert sorted(session.scalars(select(Replica.id))) == ["alive"]
