"""Project routes: `create_project`, `delete_project`; extension `list_projects`."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request

from ..schemas.projects import CreateProjectRequest, DeleteProjectRequest, ListProjectsRequest
from .deps import JSONBody, parse_call, request_schema, respond, services_of

router = APIRouter(tags=["projects"])


@router.post("/create_project", openapi_extra=request_schema(CreateProjectRequest))
async def create_project(request: Request) -> JSONBody:
    tenant, body = await parse_call(request, CreateProjectRequest)
    service = services_of(request).projects
    return await respond(service.create_project, tenant, body.project_name, body.application)


@router.post("/delete_project", openapi_extra=request_schema(DeleteProjectRequest))
async def delete_project(request: Request) -> JSONBody:
    tenant, body = await parse_call(request, DeleteProjectRequest)
    return await respond(services_of(request).projects.delete_project, tenant, body.project_name)


@router.post("/list_projects", openapi_extra=request_schema(ListProjectsRequest))
async def list_projects(request: Request) -> JSONBody:
    """Extension: the caller's projects."""
    tenant, _ = await parse_call(request, ListProjectsRequest)
    return await respond(services_of(request).projects.list_projects, tenant)
