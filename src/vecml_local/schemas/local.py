"""Emulator controls under `/_local` (not part of the VecML API): `reset`, `job_timing`, `info`.

Stricter than the API on purpose: a control that wipes data takes `all: true` literally, and
`job_min_polls` must be a JSON integer (`3` or `3.0`, as JSON Schema counts integers; not `"3"`).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from .common import KeyedRequest, VecmlResponse

__all__ = [
    "ResetRequest",
    "ResetResponse",
    "JobTimingRequest",
    "JobTimingResponse",
    "InfoResponse",
]


class ResetRequest(KeyedRequest):
    """`{"user_api_key": "..."}` resets that tenant; `{"all": true}` resets every tenant."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"user_api_key": "your_api_key"}, {"all": True}]})
    # Only the JSON literal `true` resets everything (not "yes", not 1): checked by the service.
    all: Annotated[Any, WithJsonSchema({"type": ["boolean", "null"]})] = Field(
        False, description="true: reset every tenant (refused when keys are enforced)."
    )


class ResetResponse(VecmlResponse):
    tenants_reset: int = Field(description="How many tenants were reset.")
    projects_deleted: int = Field(description="How many projects were deleted.")
    jobs_deleted: int = Field(description="How many jobs were deleted (unfinished ones cancelled first).")


def _json_integer(value: Any) -> Any:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or (isinstance(value, float) and not value.is_integer())
    ):
        raise PydanticCustomError("vecml_value", "must be a JSON integer; got {shown}", {"shown": repr(value)[:60]})
    return int(value)


JsonInteger = Annotated[int, BeforeValidator(_json_integer)]


class JobTimingRequest(BaseModel):
    """`{"job_min_polls": N}`: jobs report in_progress for their first N status polls."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [{"job_min_polls": 3}]})
    job_min_polls: JsonInteger = Field(
        ge=0, le=1000, description="Status polls that report in_progress before a job's real status is shown."
    )


class JobTimingResponse(VecmlResponse):
    job_min_polls: int = Field(description="The value now in force.")


class InfoResponse(VecmlResponse):
    version: str = Field(description="The server's version.")
    database_backend: str = Field(description='The SQL dialect of the metadata store, e.g. "sqlite".')
    api_base_path: str = Field(description='Where the VecML API is served, "/api".')
    settings: dict[str, Any] = Field(description="Every setting in force, secrets masked.")
    env_prefix: str = Field(description="The prefix of the environment variables that configure the server.")
