from __future__ import annotations

from .common import KeyedRequest, ProjectRequest

__all__ = ["CreateProjectRequest", "DeleteProjectRequest", "ListProjectsRequest"]


class CreateProjectRequest(ProjectRequest):
    application: str = ""


class DeleteProjectRequest(ProjectRequest):
    pass


class ListProjectsRequest(KeyedRequest):
    pass
