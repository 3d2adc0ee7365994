"""`list_jobs` (extension): request and answer."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field

from .common import JobStatus, KeyedRequest, VecmlResponse
from .types import LenientInt, Name

__all__ = ["ListJobsRequest", "ListJobsResponse", "JOB_KINDS"]

JobKind = Literal["upload", "label", "automl_training", "clustering"]
JOB_KINDS: tuple[str, ...] = ("upload", "label", "automl_training", "clustering")


class ListJobsRequest(KeyedRequest):
    """Extension: the caller's jobs, newest first, filtered and paginated."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"user_api_key": "your_api_key", "project_name": "ProjectA", "status": "failed", "limit": 20}]
        }
    )
    project_name: Name | None = Field(None, description="Only the jobs of this project.")
    collection_name: Name | None = Field(None, description="Only the jobs of this collection (needs `project_name`).")
    kind: JobKind | None = Field(
        None, description="Only jobs of this kind: `upload`, `label`, `automl_training` or `clustering`."
    )
    status: JobStatus | None = Field(
        None, description="Only jobs in this status: `pending`, `in_progress`, `finished` or `failed`."
    )
    offset: LenientInt = Field(0, ge=0, description="Jobs to skip (newest first); `next_offset` of the previous page.")
    limit: LenientInt = Field(50, ge=1, le=1000, description="Jobs per page (1-1000).")


class ListJobsResponse(VecmlResponse):
    total: int = Field(description="How many jobs match the filters.")
    offset: int = Field(description="The offset of this page.")
    next_offset: int | None = Field(description="The offset of the next page; null on the last page.")
    jobs: list[dict[str, Any]] = Field(
        description="The jobs: each the status answer of its kind (without success) plus kind, project_name, "
        "collection_name, model_name and create_time."
    )
