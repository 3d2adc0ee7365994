"""Request and response pieces shared by every endpoint. Field names are exactly the documented ones.

Requests: `KeyedRequest` -> `ProjectRequest` -> `CollectionRequest`; unknown fields are ignored
(DESIGN §5). Large payload fields (`data`, `X`, file contents) stay `Any` on purpose: pydantic
would otherwise validate millions of numbers one by one; `ingest` converts them in bulk.

Responses: every `<Endpoint>Response` derives from `VecmlResponse`. `api.deps.JSONBody` writes
one with orjson through `to_body()`: `success`, the declared fields in declaration order (an
optional field, default None, only when it holds a value), then any extra fields the service added.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, WithJsonSchema

from ..errors import BadRequest
from .types import NAMED_ERROR, Name, Text

__all__ = [
    "validate_request",
    "plain",
    "KeyedRequest",
    "ProjectRequest",
    "CollectionRequest",
    "JobRequest",
    "BodyModel",
    "VecmlResponse",
    "AcceptedJobResponse",
    "ErrorResponse",
    "JobStatus",
    "SuccessCode",
    "error_code_for",
    "PROJECT_NAME",
    "COLLECTION_NAME",
]

PROJECT_NAME = "The project (1-128 letters, digits, '_', '-', '.'; case-sensitive)."
COLLECTION_NAME = "The dataset (collection) inside the project; same name rules as a project."

# The four status words of every asynchronous job (DESIGN §4).
JobStatus = Literal["pending", "in_progress", "finished", "failed"]


def error_code_for(status: str) -> Literal["Success", "Unknown"]:
    """The clustering answers' `error_code`: "Unknown" for a failed job, else "Success"."""
    return "Unknown" if status == "failed" else "Success"


# -- requests -------------------------------------------------------------------------

M = TypeVar("M", bound=BaseModel)


def validate_request(model: type[M], fields: dict[str, Any]) -> M:
    """`fields` as `model`, or a 400 naming the fields at fault (up to three, `; `-joined):
    `"<field>: <why>"`, or the message as is when it already starts with the field (names)."""
    try:
        return model.model_validate(fields)
    except ValidationError as error:
        problems = []
        for item in error.errors()[:3]:
            where = ".".join(str(part) for part in item["loc"]) or "body"
            problems.append(item["msg"] if item["type"] == NAMED_ERROR else f"{where}: {item['msg']}")
        raise BadRequest("; ".join(problems)) from None


class KeyedRequest(BaseModel):
    """Unknown fields are ignored (DESIGN §5); the key may also come as a Bearer header."""

    model_config = ConfigDict(extra="ignore")
    user_api_key: Text | None = Field(
        None,
        description="Your API key. It may instead be sent as an `Authorization: Bearer <key>` header.",
    )


class ProjectRequest(KeyedRequest):
    project_name: Name = Field(description=PROJECT_NAME)


class CollectionRequest(ProjectRequest):
    collection_name: Name = Field(description=COLLECTION_NAME)


class JobRequest(KeyedRequest):
    """The job-status endpoints."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"user_api_key": "your_api_key", "job_id": "training_job_789"}]}
    )
    # Not validated as `str`: a missing or odd job id must get the "does not exist" answer
    # with `status: "failed"` (so pollers stop), not a schema error.
    job_id: Annotated[Any, WithJsonSchema({"type": "string"})] = Field(
        None, description="The job id returned by the call that started the job."
    )


# -- responses ------------------------------------------------------------------------


class BodyModel(BaseModel):
    """A JSON object of a response; `to_body()` is what is written."""

    model_config = ConfigDict(extra="allow")

    def to_body(self) -> dict[str, Any]:
        # An optional field (default None) is written only when it holds a value: absent, not null.
        body = {}
        for name, field in type(self).model_fields.items():
            value = getattr(self, name)
            if value is not None or field.is_required():
                body[name] = value
        if self.__pydantic_extra__:
            body.update(self.__pydantic_extra__)
        return body

    def __getitem__(self, key: str) -> Any:
        """Read a written field as from the JSON answer (`response["job_id"]`), e.g. in tests."""
        return self.to_body()[key]


class VecmlResponse(BodyModel):
    """Every successful answer: `success` is true; extension fields may follow."""

    success: bool = Field(True, description="True: the call succeeded.")

    def to_body(self) -> dict[str, Any]:
        body = super().to_body()
        return {"success": body.pop("success"), **body}  # first, also when a mixin declared fields before


class SuccessCode(BodyModel):
    """Mixin for the clustering answers that carry `"error_code": "Success"`."""

    error_code: Literal["Success", "Unknown"] = Field(
        "Success", description='"Success", or "Unknown" in the status of a failed job.'
    )


class AcceptedJobResponse(VecmlResponse):
    """An asynchronous call accepted: poll the job id."""

    job_id: str = Field(description="The job to poll with the matching status endpoint.")
    error_message: str = Field("none", description='The literal string "none" when the call was accepted.')


class ErrorResponse(BaseModel):
    """The error envelope of every 4xx and 5xx answer."""

    success: Literal[False] = Field(False, description="Always false for an error.")
    error_message: str = Field(description="What went wrong, naming the field, row or line at fault.")
    status: JobStatus | None = Field(
        None, description='Status endpoints only: "failed" for an unknown job id, so pollers stop.'
    )
    error_id: str | None = Field(None, description="500 only: the id under which the server logged the failure.")


def plain(value: Any) -> Any:
    """A service's answer as plain dicts and lists (what a client would read from the JSON)."""
    if isinstance(value, BodyModel):
        value = value.to_body()
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list) and value and isinstance(value[0], BodyModel | dict | list):
        return [plain(item) for item in value]
    return value
