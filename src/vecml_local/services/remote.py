"""The worker side of the `dask` executor: run one job of the shared database on this worker.

A Dask worker process builds the services once from the API's settings (same database URL,
same data dir on a shared filesystem) without starting their runner: no recovery, no pending
jobs picked up — the API processes own the queue. Only the job's sequence number travels
to the worker and only a JSON-able dict comes back; the vectors are read from the shared
data dir (memory-mapped segments), never through the HTTP API.
"""

from __future__ import annotations

import threading
from typing import Any

from ..config import Settings
from ..jobs import JobCancelled, JobContext, Progress
from ..jobs.executors import DaskExecutor, JobExecutor, LocalExecutor, worker_name
from ..storage import Job
from .partitioned import partitioned_handler

__all__ = ["run_job_on_worker", "make_executor"]

_WATCH_EVERY = 0.5  # seconds between looks at the job's row (cancellation) and progress writes
_services: dict[str, Any] = {}
_services_lock = threading.Lock()


def make_executor(settings: Settings, local_kinds: frozenset[str]) -> JobExecutor:
    """The executor the settings ask for; `local_kinds` always run in the API process."""
    if settings.executor == "local":
        return LocalExecutor()
    if not settings.dask_scheduler:
        raise ValueError("VECML_LOCAL_EXECUTOR=dask needs VECML_LOCAL_DASK_SCHEDULER (tcp://host:8786)")
    # Workers get absolute paths: their working directory is not ours.
    shared = settings.model_copy(
        update={
            "data_dir": settings.data_dir.resolve(),
            "database_url": settings.resolved_database_url(),
            "executor": "local",
        }
    )
    return DaskExecutor(settings.dask_scheduler, run_job_on_worker, shared.model_dump_json(), local_kinds)


def _services_for(settings_json: str) -> Any:
    from . import Services

    with _services_lock:
        services = _services.get(settings_json)
        if services is None:
            settings = Settings.model_validate_json(settings_json)
            services = _services[settings_json] = Services(settings, own_data_dir=False)
        return services


def run_job_on_worker(settings_json: str, seq: int) -> dict[str, Any]:
    """Run job `seq` (already `in_progress`, set by the API process) with its registered handler."""
    services = _services_for(settings_json)
    runner, db = services.context.runner, services.context.db
    worker = worker_name()
    with db.session() as session:
        job = session.get(Job, seq)
        if job is None or job.status != "in_progress":
            raise JobCancelled(str(seq))
        job.payload = {**job.payload, "executor": "dask", "worker": worker}
        context = JobContext(
            seq=job.seq,
            job_id=job.job_id,
            tenant=job.tenant,
            kind=job.kind,
            payload=dict(job.payload),
            db=db,
            cancel_event=threading.Event(),
            progress=Progress(0.0, f"started on {worker}"),
        )
    # a big collection trains in partitions over the cluster (services/partitioned.py)
    handler = partitioned_handler(services, context) or runner.handlers[context.kind]
    runner._live[seq] = context  # persist_progress writes what the handler reports
    stop = threading.Event()
    watcher = threading.Thread(target=_watch, args=(services, context, stop), daemon=True)
    watcher.start()
    try:
        result = handler(context)
        if not context.finished:
            with db.session() as session:
                context.finish(session, result or {})
        return {"finished": True, "worker": worker, "result": result}
    finally:
        stop.set()
        watcher.join(timeout=5)
        runner._live.pop(seq, None)


def _watch(services: Any, context: JobContext, stop: threading.Event) -> None:
    """Write reported progress to the row; turn the row going to `failed` (a delete) into a cancel."""
    runner, db = services.context.runner, services.context.db
    while not stop.wait(_WATCH_EVERY):
        runner.persist_progress()
        with db.session() as session:
            status = session.get(Job, context.seq)
            if status is None or status.status != "in_progress":
                context.cancel_event.set()
                return
