"""Job status: `get_upload_data_status`, `get_automl_training_status`,
`get_clustering_training_status`. Each answers any job id of the caller's key, with
the fields documented for that job's kind (renderers are registered per kind), plus
the extension fields `progress`, `progress_message` and `eta_seconds`.

A poll never writes: polls are counted in memory (for `job_min_polls`), and the answer
of a job that reached a terminal state is rendered once and then served from memory."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from ..errors import NotFound
from ..jobs import TERMINAL, Progress
from ..schemas.common import JobRequest
from ..storage import Job
from ..storage.repository import get_job
from ..timefmt import format_duration, format_time, now
from .context import ServiceContext, Tenant

__all__ = ["JobService", "StatusRenderer", "render_upload_status", "progress_fields"]

# (job row, status to show) -> response body
StatusRenderer = Callable[[Job, str], dict[str, Any]]


def render_upload_status(job: Job, status: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "success": True,
        "job_id": job.job_id,
        "status": status,
        "error_message": job.error_message if status == "failed" else "none",
        "start_time": format_time(job.started_at),
        "duration": format_duration(job.started_at, job.finished_at),
    }
    if status == "finished":
        body.update({key: value for key, value in (job.result or {}).items()})
    elif job.payload.get("warnings"):
        body["warnings"] = list(job.payload["warnings"])
    return body


def progress_fields(job: Job, status: str, live: Progress | None) -> dict[str, Any]:
    """`progress` (0..1, 1.0 once finished), `progress_message`, `eta_seconds` (null when unknown)."""
    if status == "finished":
        return {"progress": 1.0, "progress_message": "finished", "eta_seconds": 0.0}
    if status == "pending":
        return {"progress": 0.0, "progress_message": "waiting for earlier jobs to finish", "eta_seconds": None}
    if live is None:
        live = Progress(float(job.progress or 0.0), job.progress_message or "", job.eta_seconds)
    value, eta = live.value, live.eta_seconds
    if status == "in_progress" and job.status in TERMINAL:
        value, eta = min(value, 0.99), None  # shown as running by job_min_polls
    if status == "failed":
        eta = None
    elif eta is None and status == "in_progress" and job.started_at is not None and 0.02 <= value < 1.0:
        # No estimate from the job: the time spent so far, extrapolated (computed now, never stale).
        elapsed = max(0.0, (now() - job.started_at).total_seconds())
        eta = round(elapsed * (1.0 - value) / value, 1)
    return {"progress": round(value, 4), "progress_message": live.message, "eta_seconds": eta}


class JobService:
    def __init__(self, context: ServiceContext) -> None:
        self.context = context
        self.renderers: dict[str, StatusRenderer] = {}
        self._polls: dict[str, int] = {}
        self._polls_lock = threading.Lock()

    def register_renderer(self, kind: str, renderer: StatusRenderer) -> None:
        self.renderers[kind] = renderer

    def _count_poll(self, job_id: str) -> int:
        with self._polls_lock:
            count = self._polls.get(job_id, 0) + 1
            self._polls[job_id] = count
            return count

    def get_status(self, tenant: Tenant, job_id: Any) -> dict[str, Any]:
        if not isinstance(job_id, str) or not job_id:
            raise NotFound("job_id is missing", status="failed")
        runner = self.context.runner
        min_polls = self.context.settings.job_min_polls
        masked = bool(min_polls) and self._count_poll(job_id) <= min_polls
        key = (tenant.id, job_id)
        cached = None if masked else runner.answers.get(key)
        if cached is not None:
            return cached
        with self.context.db.session() as session:
            try:
                job = get_job(session, tenant.id, job_id)
            except NotFound as error:
                raise NotFound(error.message, status="failed") from None
            # VECML_LOCAL_JOB_MIN_POLLS: a job shows in_progress for its first polls (clients test their loops)
            status = "in_progress" if masked else job.status
            renderer = self.renderers.get(job.kind, render_upload_status)
            body = renderer(job, status)
            body.update(progress_fields(job, status, runner.live_progress(job.seq)))
            if job.payload.get("executor"):  # set by the worker that ran it (dask executor)
                body.update(executor=job.payload["executor"], worker=job.payload.get("worker", ""))
                if job.payload.get("partitions"):  # trained in partitions (services/partitioned.py)
                    body["partitions"] = job.payload["partitions"]
        if status in TERMINAL:
            runner.answers.put(key, body)
        return body

    def get_upload_data_status(self, tenant: Tenant, request: JobRequest) -> dict[str, Any]:
        """The three documented status endpoints answer any job id of the key alike."""
        return self.get_status(tenant, request.job_id)

    get_automl_training_status = get_clustering_training_status = get_upload_data_status

    def peek_status(self, tenant: Tenant, request: JobRequest) -> dict[str, Any] | None:
        """A finished or failed job's answer from memory (never blocks), when no poll counting is on."""
        if self.context.settings.job_min_polls or not isinstance(request.job_id, str):
            return None
        return self.context.runner.answers.get((tenant.id, request.job_id))

    get_upload_data_status.peek = peek_status  # type: ignore[attr-defined]  # a function attribute (see readcache.peek)
