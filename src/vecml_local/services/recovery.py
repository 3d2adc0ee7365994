"""Start-up recovery beyond the job table: what a crash leaves half-done around jobs.

The runner fails the jobs a crash left `in_progress`; a model trained by such a job
would otherwise read "still training" forever and hold its name ("already exists").
Every model still `training` whose job is no longer pending or running is failed here,
so its status, its reads and a new training under the same name all behave as after
any other failed training.
"""

from __future__ import annotations

from sqlalchemy import select

from ..storage import Job, Model
from .context import ServiceContext

__all__ = ["fail_orphaned_models"]

_ALIVE = ("pending", "in_progress")


def fail_orphaned_models(context: ServiceContext) -> int:
    """Fail `training` models whose job has ended or is gone; return how many."""
    with context.db.session() as session:
        training = session.scalars(select(Model).where(Model.status == "training")).all()
        if not training:
            return 0
        job_ids = [model.job_id for model in training if model.job_id]
        alive = set(session.scalars(select(Job.job_id).where(Job.job_id.in_(job_ids), Job.status.in_(_ALIVE))))
        failed = 0
        for model in training:
            if model.job_id not in alive:
                model.status = "failed"
                failed += 1
        return failed
