"""The job runner: per-collection order, parallelism across collections, recovery."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from tests.database import make_test_database
from vecml_local.errors import BadRequest
from vecml_local.jobs import JobContext, JobRunner
from vecml_local.ml import Cancelled
from vecml_local.storage import Job


def _runner(tmp_path: Path, workers: int = 2) -> JobRunner:
    return JobRunner(make_test_database(tmp_path / "jobs.db"), workers)


def _submit(runner: JobRunner, name: str, collections: list[int], payload: dict | None = None) -> int:
    with runner.db.session() as session:
        job = runner.create(
            session, kind="record", job_id=name, tenant="t", collection_ids=collections, payload=payload or {}
        )
        seq = job.seq
    runner.enqueue(seq, collections)
    return seq


def _status(runner: JobRunner, seq: int) -> Job:
    with runner.db.session() as session:
        return session.get(Job, seq)


def test_jobs_on_one_collection_run_in_submission_order(tmp_path: Path) -> None:
    runner = _runner(tmp_path, workers=4)
    order: list[str] = []
    gate, other_done = threading.Event(), threading.Event()

    def record(job: JobContext) -> dict:
        if job.job_id == "first":
            assert gate.wait(10)
        order.append(job.job_id)
        if job.job_id == "other-collection":
            other_done.set()
        return {}

    runner.register("record", record)
    runner.start()
    _submit(runner, "first", [1])
    _submit(runner, "second", [1])
    _submit(runner, "other-collection", [2])
    # The unrelated job finishes while "first" is held; "second" must still wait.
    assert other_done.wait(10)
    assert order == ["other-collection"]
    gate.set()
    assert runner.wait_idle(10)
    assert order == ["other-collection", "first", "second"]
    runner.stop()


def test_failures_are_recorded_with_the_message(tmp_path: Path) -> None:
    runner = _runner(tmp_path)

    def record(job: JobContext) -> dict:
        if job.payload.get("bad"):
            raise BadRequest("line 3: not a number")
        if job.payload.get("bug"):
            raise ZeroDivisionError("boom")
        return {"ok": 1}

    runner.register("record", record)
    runner.start()
    good, bad, bug = (_submit(runner, n, [1], p) for n, p in [("g", {}), ("b", {"bad": 1}), ("x", {"bug": 1})])
    assert runner.wait_idle(10)
    assert _status(runner, good).status == "finished" and _status(runner, good).result == {"ok": 1}
    assert (_status(runner, bad).status, _status(runner, bad).error_message) == ("failed", "line 3: not a number")
    assert _status(runner, bug).status == "failed" and "ZeroDivisionError" in _status(runner, bug).error_message
    runner.stop()


def test_restart_fails_interrupted_and_runs_pending(tmp_path: Path) -> None:
    runner = _runner(tmp_path)
    with runner.db.session() as session:
        running = runner.create(
            session, kind="record", job_id="was-running", tenant="t", collection_ids=[1], payload={}
        )
        running.status = "in_progress"
        pending = runner.create(
            session, kind="record", job_id="was-pending", tenant="t", collection_ids=[1], payload={}
        )
        running_seq, pending_seq = running.seq, pending.seq
    ran: list[str] = []
    runner.register("record", lambda job: ran.append(job.job_id) or {})
    runner.fail_interrupted()
    runner.start()
    assert runner.wait_idle(10)
    assert _status(runner, running_seq).status == "failed"
    assert "restarted" in _status(runner, running_seq).error_message
    assert _status(runner, pending_seq).status == "finished" and ran == ["was-pending"]
    runner.stop()


def test_cancelled_job_is_not_marked_finished(tmp_path: Path) -> None:
    runner = _runner(tmp_path)
    started, release = threading.Event(), threading.Event()

    def record(job: JobContext) -> dict:
        started.set()
        assert release.wait(10)
        return {}

    runner.register("record", record)
    runner.start()
    seq = _submit(runner, "long", [1])
    assert started.wait(10)
    with runner.db.session() as session:
        runner.cancel(session, [session.get(Job, seq)], "Cancelled: project deleted")
    release.set()
    assert runner.wait_idle(10)
    assert (_status(runner, seq).status, _status(runner, seq).error_message) == ("failed", "Cancelled: project deleted")
    runner.stop()


def test_work_stopped_by_a_cancel_is_one_info_line_not_an_internal_error(tmp_path: Path, caplog) -> None:
    runner = _runner(tmp_path)
    started = threading.Event()

    def record(job: JobContext) -> dict:
        started.set()
        assert job.cancel_event.wait(10)  # work that checks should_stop between chunks, then stops
        raise Cancelled("stopped")

    runner.register("record", record)
    runner.start()
    seq = _submit(runner, "long", [1])
    assert started.wait(10)
    with caplog.at_level(logging.INFO, logger="vecml_local"):
        with runner.db.session() as session:
            runner.cancel(session, [session.get(Job, seq)], "Cancelled: model deleted")
        assert runner.wait_idle(10)
    runner.stop()
    assert (_status(runner, seq).status, _status(runner, seq).error_message) == ("failed", "Cancelled: model deleted")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [r.getMessage() for r in caplog.records]
    stopped = [r for r in caplog.records if r.getMessage() == "job work stopped after a cancel"]
    assert len(stopped) == 1 and stopped[0].levelno == logging.INFO
    assert stopped[0].fields["job_id"] == "long" and stopped[0].fields["stopped_by"] == "Cancelled"


def test_ml_cancelled_without_a_cancel_here_fails_the_job_without_a_traceback(tmp_path: Path, caplog) -> None:
    runner = _runner(tmp_path)  # e.g. a delete seen by another process first stopped the job's worker

    def record(job: JobContext) -> dict:
        raise Cancelled("stopped")

    runner.register("record", record)
    runner.start()
    with caplog.at_level(logging.INFO, logger="vecml_local"):
        seq = _submit(runner, "stopped", [1])
        assert runner.wait_idle(10)
    runner.stop()
    assert (_status(runner, seq).status, _status(runner, seq).error_message) == ("failed", "Cancelled")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
