"""Backpressure: a key with too many unfinished jobs is told to slow down.

Jobs queue without bound otherwise: a client submitting trainings faster than the
workers finish them only lengthens everyone's wait. Over the per-key limit
(`VECML_LOCAL_MAX_QUEUED_JOBS_PER_KEY`, counting `pending` and `in_progress` jobs) a new
job is refused with the cloud's rate-limit answer (HTTP 400, `Request limit reached,
please try again later`) before anything is queued; a client that retries later succeeds
once its earlier jobs have finished.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import RateLimited
from ..storage import Job

__all__ = ["check_queue", "unfinished_jobs"]

UNFINISHED = ("pending", "in_progress")


def unfinished_jobs(session: Session, tenant: str | None = None) -> int:
    query = select(func.count()).select_from(Job).where(Job.status.in_(UNFINISHED))
    if tenant is not None:
        query = query.where(Job.tenant == tenant)
    return int(session.scalar(query) or 0)


def check_queue(session: Session, tenant: str, limit: int) -> None:
    """Raise RateLimited when `tenant` already has `limit` unfinished jobs (0: no limit)."""
    if limit > 0 and unfinished_jobs(session, tenant) >= limit:
        raise RateLimited()
