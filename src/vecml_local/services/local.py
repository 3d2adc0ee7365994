"""Emulator controls (served under `/_local`, never `/api`): reset tenants, report settings.

Like moto's `/moto-api/reset`: tests that share one server can wipe a tenant (or
every tenant) between runs. Resetting goes through the same clean-up code as
`delete_project`, so jobs are cancelled first and files are removed after commit.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.engine import make_url

from .. import __version__
from ..config import Settings
from ..errors import BadRequest, Forbidden
from ..schemas.local import InfoResponse, JobTimingRequest, JobTimingResponse, ResetRequest, ResetResponse
from ..storage import Collection, Job, Project
from .cleanup import drop_collections, remove_files
from .context import ServiceContext, Tenant

__all__ = ["LocalService", "Forbidden", "public_settings", "mask_database_url"]

RESET_REASON = "Cancelled: the emulator was reset (/_local/reset)"
_SECRET_NAME = re.compile(r"(password|secret|token|key)", re.IGNORECASE)


def mask_database_url(url: str) -> str:
    """The URL with its password replaced by `***` (never print a secret)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy understands: show only the scheme
        return url.split(":", 1)[0] + ":***"


def public_settings(settings: Settings) -> dict[str, Any]:
    """Every setting in force, JSON-ready, secrets masked."""
    shown: dict[str, Any] = {}
    for name, value in settings.model_dump(mode="json").items():
        if name == "database_url":
            value = mask_database_url(settings.resolved_database_url())
        elif value and _SECRET_NAME.search(name):
            value = "***"
        shown[name] = value
    return shown


class LocalService:
    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    def info(self) -> InfoResponse:
        return InfoResponse(
            version=__version__,
            database_backend=self.context.db.engine.dialect.name,
            api_base_path="/api",
            settings=public_settings(self.context.settings),
            env_prefix="VECML_LOCAL_",
        )

    def reset(self, tenant: Tenant | None, request: ResetRequest) -> ResetResponse:
        """Reset `tenant`, or every tenant when None (`reset_target` said "all")."""
        if tenant is None:
            return self.reset_all()
        return ResetResponse(tenants_reset=1, **self._reset(tenant.id))

    def reset_all(self) -> ResetResponse:
        if self.context.settings.auth == "keys":
            raise Forbidden(
                "Resetting every tenant is disabled when VECML_LOCAL_AUTH=keys; "
                "reset one tenant with its own user_api_key"
            )
        with self.context.db.session() as session:
            tenants = set(session.scalars(select(Project.tenant).distinct()))
            tenants |= set(session.scalars(select(Job.tenant).distinct()))
        totals = {"projects_deleted": 0, "jobs_deleted": 0}
        for tenant in sorted(tenants):
            for name, count in self._reset(tenant).items():
                totals[name] += count
        return ResetResponse(tenants_reset=len(tenants), **totals)

    def _reset(self, tenant: str) -> dict[str, int]:
        context = self.context
        with context.db.session() as session:
            projects = list(session.scalars(select(Project).where(Project.tenant == tenant)))
            project_ids = [project.id for project in projects]
            # Lock the collections before touching their jobs: a publishing job locks its
            # collection, then its job row; taking them in the same order avoids a deadlock
            # on PostgreSQL (SQLite serialises writers and ignores FOR UPDATE).
            collections = (
                list(
                    session.scalars(
                        select(Collection)
                        .where(Collection.project_id.in_(project_ids))
                        .order_by(Collection.id)
                        .with_for_update()
                    )
                )
                if project_ids
                else []
            )
            doomed = drop_collections(context, session, tenant, collections, RESET_REASON)
            jobs = list(session.scalars(select(Job).where(Job.tenant == tenant)))
            context.runner.cancel(session, jobs, RESET_REASON)  # jobs of no collection too
            tokens = [
                str(job.payload.get("token"))
                for job in jobs
                if isinstance(job.payload, dict) and job.payload.get("token")
            ]
            session.flush()
            for project in projects:
                session.delete(project)
            session.execute(delete(Job).where(Job.tenant == tenant))
        context.runner.forget(job.job_id for job in jobs)
        remove_files(context, doomed)
        for token in tokens:
            context.files.discard(token)
        return {"projects_deleted": len(projects), "jobs_deleted": len(jobs)}

    def set_job_timing(self, tenant: Tenant | None, request: JobTimingRequest) -> JobTimingResponse:
        """Change `job_min_polls` on a running server (every tenant; polls already counted stay)."""
        if self.context.settings.auth == "keys":
            raise Forbidden(
                "Job timing cannot be changed at run time when VECML_LOCAL_AUTH=keys; "
                "set VECML_LOCAL_JOB_MIN_POLLS when starting the server"
            )
        self.context.settings.job_min_polls = request.job_min_polls
        return JobTimingResponse(job_min_polls=request.job_min_polls)

    @staticmethod
    def reset_target(request: ResetRequest) -> str:
        """`tenant` for `{"user_api_key": ...}`, `all` for `{"all": true}`; else 400."""
        if request.all is True:
            return "all"
        if request.all is not False and request.all is not None:  # 0 or "no" is no boolean either
            raise BadRequest(
                f"all: must be true or false; got {request.all!r}. Send "
                '{"user_api_key": "<key>"} to reset one tenant or {"all": true} to reset all'
            )
        if request.user_api_key:
            return "tenant"
        raise BadRequest('Send {"user_api_key": "<key>"} to reset one tenant or {"all": true} to reset all')
