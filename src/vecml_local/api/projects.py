"""Project routes: `create_project`, `delete_project`; extension `list_projects`."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request

from ..schemas.projects import (
    CreateProjectRequest,
    CreateProjectResponse,
    DeleteProjectRequest,
    DeleteProjectResponse,
    ListProjectsRequest,
    ListProjectsResponse,
)
from .deps import JSONBody, VecmlRoute, contract, parse_call, respond, services_of

router = APIRouter(tags=["projects"], route_class=VecmlRoute)


@router.post("/create_project", **contract(CreateProjectRequest, CreateProjectResponse, 409))
async def create_project(request: Request) -> JSONBody:
    """Create a project (409 if the caller already has one of that name)."""
    tenant, body = await parse_call(request, CreateProjectRequest)
    return await respond(services_of(request).projects.create_project, tenant, body)


@router.post("/delete_project", **contract(DeleteProjectRequest, DeleteProjectResponse))
async def delete_project(request: Request) -> JSONBody:
    """Delete a project with its datasets, models and unfinished jobs."""
    tenant, body = await parse_call(request, DeleteProjectRequest)
    return await respond(services_of(request).projects.delete_project, tenant, body)


@router.post("/list_projects", **contract(ListProjectsRequest, ListProjectsResponse))
async def list_projects(request: Request) -> JSONBody:
    """Extension: the caller's projects."""
    tenant, body = await parse_call(request, ListProjectsRequest)
    return await respond(services_of(request).projects.list_projects, tenant, body)
