"""`list_jobs` (extension) request."""

from __future__ import annotations

from pydantic import Field

from .common import KeyedRequest

__all__ = ["ListJobsRequest"]


class ListJobsRequest(KeyedRequest):
    project_name: str | None = Field(None, description="Only the jobs of this project.")
    collection_name: str | None = Field(None, description="Only the jobs of this collection (needs `project_name`).")
    kind: str | None = Field(
        None, description="Only jobs of this kind: `upload`, `label`, `automl_training` or `clustering`."
    )
    status: str | None = Field(
        None, description="Only jobs in this status: `pending`, `in_progress`, `finished` or `failed`."
    )
    offset: int = Field(0, ge=0, description="Jobs to skip (newest first); `next_offset` of the previous page.")
    limit: int = Field(50, ge=1, le=1000, description="Jobs per page (1-1000).")
