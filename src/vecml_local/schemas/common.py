"""Request pieces shared by every endpoint. Field names are exactly the documented ones.

Large payload fields (`data`, `X`, file contents) are typed `Any` on purpose: pydantic
would otherwise validate millions of numbers one by one; `ingest` converts them in bulk.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["KeyedRequest", "ProjectRequest", "CollectionRequest", "JobRequest"]


class KeyedRequest(BaseModel):
    """Unknown fields are ignored (DESIGN §5); the key may also come as a Bearer header."""

    model_config = ConfigDict(extra="ignore")
    user_api_key: str | None = None


class ProjectRequest(KeyedRequest):
    project_name: str


class CollectionRequest(ProjectRequest):
    collection_name: str


class JobRequest(KeyedRequest):
    # Not `str`: a missing or odd job id must get the "does not exist" answer with
    # `status: "failed"` (so pollers stop), not a schema error.
    job_id: object = None
