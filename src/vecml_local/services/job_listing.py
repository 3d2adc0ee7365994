"""`list_jobs` (extension): the caller's jobs, newest first, filtered and paginated.

Each entry is what the job's own status endpoint answers (the renderers registered on
`JobService`), plus where the job belongs (`kind`, `project_name`, `collection_name`,
`model_name`, `create_time`). Listing never counts as a poll.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from ..errors import BadRequest
from ..schemas.job_listing import JOB_KINDS, ListJobsRequest, ListJobsResponse
from ..storage import Job
from ..storage.repository import get_job
from ..timefmt import format_time
from .context import Tenant
from .jobs import JobService, progress_fields, render_upload_status

__all__ = ["JOB_KINDS", "JOB_STATUSES", "list_jobs", "render_job", "job_entry"]

JOB_STATUSES = ("pending", "in_progress", "finished", "failed")


def render_job(jobs: JobService, job: Job) -> dict[str, Any]:
    """One listing entry: the status answer of the job's kind, without `success`, plus its place."""
    renderer = jobs.renderers.get(job.kind, render_upload_status)
    entry = {key: value for key, value in renderer(job, job.status).items() if key != "success"}
    entry.update(progress_fields(job, job.status, jobs.context.runner.live_progress(job.seq)))
    entry.update(
        job_id=job.job_id,
        status=job.status,
        kind=job.kind,
        project_name=job.project_name,
        collection_name=job.collection_name,
        model_name=job.model_name,
        create_time=format_time(job.created_at),
    )
    return entry


def list_jobs(jobs: JobService, tenant: Tenant, request: ListJobsRequest) -> ListJobsResponse:
    project_name, collection_name, offset = request.project_name, request.collection_name, request.offset
    kind, status, limit = request.kind, request.status, request.limit
    if collection_name is not None and project_name is None:
        raise BadRequest("collection_name needs project_name")
    query = select(Job).where(Job.tenant == tenant.id)
    if project_name is not None:
        query = query.where(Job.project_name == project_name)
    if collection_name is not None:
        query = query.where(Job.collection_name == collection_name)
    if kind is not None:
        query = query.where(Job.kind == kind)
    if status is not None:
        query = query.where(Job.status == status)
    with jobs.context.db.session() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.scalars(query.order_by(Job.seq.desc()).offset(offset).limit(limit)).all()
        entries = [render_job(jobs, job) for job in rows]
    next_offset = offset + len(entries) if offset + len(entries) < total else None
    return ListJobsResponse(total=int(total), offset=offset, next_offset=next_offset, jobs=entries)


def job_entry(jobs: JobService, tenant: Tenant, job_id: str) -> dict[str, Any]:
    """One job as `list_jobs` shows it (404 "does not exist" for another key's job)."""
    with jobs.context.db.session() as session:
        return render_job(jobs, get_job(session, tenant.id, job_id))
