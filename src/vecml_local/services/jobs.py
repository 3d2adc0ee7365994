"""Job status: `get_upload_data_status`, `get_automl_training_status`,
`get_clustering_training_status`. Each answers any job id of the caller's key, with
the fields documented for that job's kind (renderers are registered per kind)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import NotFound
from ..storage import Job
from ..storage.repository import get_job
from ..timefmt import format_duration, format_time
from .context import ServiceContext, Tenant

__all__ = ["JobService", "StatusRenderer", "render_upload_status"]

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


class JobService:
    def __init__(self, context: ServiceContext) -> None:
        self.context = context
        self.renderers: dict[str, StatusRenderer] = {}

    def register_renderer(self, kind: str, renderer: StatusRenderer) -> None:
        self.renderers[kind] = renderer

    def get_status(self, tenant: Tenant, job_id: Any) -> dict[str, Any]:
        if not isinstance(job_id, str) or not job_id:
            raise NotFound("job_id is missing", status="failed")
        with self.context.db.session() as session:
            try:
                job = get_job(session, tenant.id, job_id)
            except NotFound as error:
                raise NotFound(error.message, status="failed") from None
            job.poll_count = int(job.poll_count) + 1
            status = job.status
            if job.poll_count <= self.context.settings.job_min_polls:
                status = "in_progress"  # VECML_LOCAL_JOB_MIN_POLLS: let clients test their polling
            renderer = self.renderers.get(job.kind, render_upload_status)
            return renderer(job, status)
