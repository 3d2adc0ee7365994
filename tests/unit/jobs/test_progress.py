"""Job progress: `report` is visible at once in memory, reaches the row through the
persister, never goes back, and a finished job's row says 1.0. Old data dirs gain the columns."""

from __future__ import annotations

import sqlite3
import threading
from datetime import timedelta
from pathlib import Path

from tests.database import make_test_database
from vecml_local.jobs import JobContext, JobRunner, Progress
from vecml_local.services.jobs import progress_fields
from vecml_local.storage import Database, Job
from vecml_local.timefmt import now


def _runner(tmp_path: Path) -> JobRunner:
    return JobRunner(make_test_database(tmp_path / "jobs.db"), 2)


def _submit(runner: JobRunner, name: str) -> int:
    with runner.db.session() as session:
        seq = runner.create(session, kind="steps", job_id=name, tenant="t", collection_ids=[1], payload={}).seq
    runner.enqueue(seq, [1])
    return seq


def _row(runner: JobRunner, seq: int) -> Job:
    with runner.db.session() as session:
        return session.get(Job, seq)


def test_progress_is_live_then_persisted_then_one_when_finished(tmp_path: Path) -> None:
    runner = _runner(tmp_path)
    reported, release = threading.Event(), threading.Event()

    def steps(job: JobContext) -> dict:
        job.report(0.4, "fold 2 of 5")
        job.report(0.3, "a late, smaller figure")  # never shown as going back
        reported.set()
        assert release.wait(10)
        return {}

    runner.register("steps", steps)
    runner.start()
    seq = _submit(runner, "job")
    assert reported.wait(10)
    live = runner.live_progress(seq)
    assert live is not None and live.value == 0.4 and live.message == "a late, smaller figure"
    assert live.eta_seconds is None  # none given: the status answer extrapolates when asked
    runner.persist_progress()
    row = _row(runner, seq)
    assert (row.progress, row.progress_message) == (0.4, "a late, smaller figure")
    release.set()
    assert runner.wait_idle(10)
    row = _row(runner, seq)
    assert (row.status, row.progress, row.eta_seconds) == ("finished", 1.0, 0.0)
    assert runner.live_progress(seq) is None
    runner.stop()


def test_failed_job_keeps_the_progress_it_reached(tmp_path: Path) -> None:
    runner = _runner(tmp_path)

    def steps(job: JobContext) -> dict:
        job.report(0.25, "candidate 3 of 12")
        raise ValueError("boom")

    runner.register("steps", steps)
    runner.start()
    seq = _submit(runner, "job")
    assert runner.wait_idle(10)
    row = _row(runner, seq)
    assert (row.status, row.progress, row.progress_message, row.eta_seconds) == (
        "failed",
        0.25,
        "candidate 3 of 12",
        None,
    )
    runner.stop()


def test_a_database_from_before_progress_gains_the_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    Database(f"sqlite:///{path}").create_schema()
    with sqlite3.connect(path) as connection:  # as an older version left it
        for column in ("progress", "progress_message", "eta_seconds"):
            connection.execute(f"ALTER TABLE jobs DROP COLUMN {column}")
    Database(f"sqlite:///{path}").create_schema()
    with sqlite3.connect(path) as connection:
        columns = {row[1] for row in connection.execute("PRAGMA table_info(jobs)")}
    assert {"progress", "progress_message", "eta_seconds"} <= columns


def test_status_extrapolates_the_time_left_when_the_job_gives_none() -> None:
    started = now() - timedelta(seconds=10)
    job = Job(status="in_progress", started_at=started, progress=0.25, progress_message="fold 1 of 4")
    fields = progress_fields(job, "in_progress", None)
    assert fields["progress"] == 0.25 and fields["progress_message"] == "fold 1 of 4"
    assert 29.0 <= fields["eta_seconds"] <= 33.0  # 10 s for a quarter: about 30 s left
    assert progress_fields(job, "in_progress", Progress(0.25, "x", 4.0))["eta_seconds"] == 4.0
    assert progress_fields(job, "failed", None)["eta_seconds"] is None
