"""Projects: `create_project`, `delete_project`; extension `list_projects`."""

from __future__ import annotations

from pydantic import ConfigDict, Field, JsonValue

from .common import BodyModel, KeyedRequest, ProjectRequest, VecmlResponse
from .types import ApplicationText

__all__ = [
    "CreateProjectRequest",
    "CreateProjectResponse",
    "DeleteProjectRequest",
    "DeleteProjectResponse",
    "ListProjectsRequest",
    "ListProjectsResponse",
    "ProjectInfo",
]

_KEY: dict[str, JsonValue] = {"user_api_key": "your_api_key"}


class CreateProjectRequest(ProjectRequest):
    """Create an empty project; its datasets and models are added later."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{**_KEY, "project_name": "AutoML-Demo", "application": "Machine Learning"}]}
    )
    application: ApplicationText = Field(
        "", description='Free text saying what the project is for, e.g. "Machine Learning".'
    )


class CreateProjectResponse(VecmlResponse):
    pass


class DeleteProjectRequest(ProjectRequest):
    """Delete a project with every dataset, model and unfinished job in it."""

    model_config = ConfigDict(json_schema_extra={"examples": [{**_KEY, "project_name": "AutoML-Demo"}]})


class DeleteProjectResponse(VecmlResponse):
    pass


class ListProjectsRequest(KeyedRequest):
    """Extension: the caller's projects."""

    model_config = ConfigDict(json_schema_extra={"examples": [_KEY]})


class ProjectInfo(BodyModel):
    project_name: str = Field(description="The project's name.")
    application: str = Field(description="The application text given at creation.")
    create_time: str = Field(description="When the project was created, YYYY/MM/DD HH:MM:SS.")


class ListProjectsResponse(VecmlResponse):
    projects: list[ProjectInfo] = Field(description="The caller's projects, by name.")
