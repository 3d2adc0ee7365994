"""Projects: `create_project`, `delete_project`, `list_projects` (extension)."""

from __future__ import annotations

from sqlalchemy import select

from ..errors import AlreadyExists
from ..schemas.projects import (
    CreateProjectRequest,
    CreateProjectResponse,
    DeleteProjectRequest,
    DeleteProjectResponse,
    ListProjectsRequest,
    ListProjectsResponse,
    ProjectInfo,
)
from ..storage import Collection, Project
from ..storage.repository import find_project, get_project
from ..timefmt import format_time, now
from .cleanup import drop_collections, remove_files
from .context import ServiceContext, Tenant
from .readcache import cached_read

__all__ = ["ProjectService"]


class ProjectService:
    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    def create_project(self, tenant: Tenant, request: CreateProjectRequest) -> CreateProjectResponse:
        project_name, application = request.project_name, request.application
        with self.context.db.session() as session:
            if find_project(session, tenant.id, project_name):
                raise AlreadyExists(f"Project {project_name!r} already exists")
            session.add(Project(tenant=tenant.id, name=project_name, application=application, created_at=now()))
        return CreateProjectResponse()

    def delete_project(self, tenant: Tenant, request: DeleteProjectRequest) -> DeleteProjectResponse:
        project_name = request.project_name
        with self.context.db.session() as session:
            project = get_project(session, tenant.id, project_name)
            collections = list(session.scalars(select(Collection).where(Collection.project_id == project.id)))
            reason = f"Cancelled: project {project_name!r} was deleted"
            doomed = drop_collections(self.context, session, tenant.id, collections, reason)
            session.delete(project)
        remove_files(self.context, doomed)
        return DeleteProjectResponse()

    @cached_read
    def list_projects(self, tenant: Tenant, request: ListProjectsRequest) -> ListProjectsResponse:
        with self.context.db.session() as session:
            projects = session.scalars(select(Project).where(Project.tenant == tenant.id).order_by(Project.name)).all()
            return ListProjectsResponse(
                projects=[
                    ProjectInfo(project_name=p.name, application=p.application, create_time=format_time(p.created_at))
                    for p in projects
                ]
            )
