"""Vector data: `add_data`, `add_data_batch`; extensions `get_data`, `delete_data`.

The vectors, ids and attributes stay raw JSON (`Any`) on purpose: a batch may hold millions
of numbers, which `ingest` converts in bulk with the collection's type; their JSON schema is
stated for the documentation only.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import ConfigDict, Field, JsonValue, WithJsonSchema

from .common import AcceptedJobResponse, CollectionRequest, VecmlResponse

__all__ = [
    "AddDataRequest",
    "AddDataResponse",
    "AddDataBatchRequest",
    "AddDataBatchResponse",
    "GetDataRequest",
    "GetDataResponse",
    "DeleteDataRequest",
    "DeleteDataResponse",
]

_VECTOR = {
    "anyOf": [
        {"type": "array", "items": {"type": ["number", "null"]}},
        {"type": "object", "additionalProperties": {"type": "number"}},
        {"type": "string"},
    ]
}
Vector = Annotated[Any, WithJsonSchema(_VECTOR)]
Vectors = Annotated[Any, WithJsonSchema({"type": "array", "items": _VECTOR})]
Ids = Annotated[Any, WithJsonSchema({"type": "array", "items": {"type": "string", "minLength": 1}})]
SomeIds = Annotated[Any, WithJsonSchema({"type": "array", "items": {"type": "string"}, "minItems": 1})]
Attributes = Annotated[Any, WithJsonSchema({"type": "object", "additionalProperties": True})]
AttributeRows = Annotated[
    Any, WithJsonSchema({"type": "array", "items": {"type": "object", "additionalProperties": True}})
]

_WHERE: dict[str, JsonValue] = {
    "user_api_key": "your_api_key",
    "project_name": "AutoML-Demo",
    "collection_name": "training_data",
}
VECTOR_TEXT = (
    "numbers for the dense types (null = missing), and for sparse an object {index: value} or a string "
    '"index:value index:value"'
)


class AddDataRequest(CollectionRequest):
    """Insert one vector (asynchronous; prefer `add_data_batch` for many)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{**_WHERE, "string_id": "train_000", "data": [0.1, 0.2, 0.3], "attributes": {"label": "1"}}]
        }
    )
    data: Vector = Field(description=f"The vector: {VECTOR_TEXT}.")
    string_id: Annotated[Any, WithJsonSchema({"type": "string"})] = Field(
        None, description="Its unique id in the dataset; generated when absent."
    )
    attributes: Attributes = Field(None, description='Its attributes, e.g. {"label": "1", "category": "A"}.')


class AddDataResponse(AcceptedJobResponse):
    pass


class AddDataBatchRequest(CollectionRequest):
    """Insert many vectors at once (asynchronous: poll `get_upload_data_status`)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_WHERE,
                    "string_ids": ["train_000", "train_001"],
                    "data": [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]],
                    "attributes": [{"label": "1", "category": "A"}, {"label": "0", "category": "C"}],
                }
            ]
        }
    )
    data: Vectors = Field(description=f"The vectors, each of vector_dim components: {VECTOR_TEXT}.")
    string_ids: Ids = Field(None, description="One unique id per vector; generated when absent.")
    attributes: AttributeRows = Field(None, description="One object of attributes per vector (null for none).")


class AddDataBatchResponse(AcceptedJobResponse):
    pass


class GetDataRequest(CollectionRequest):
    """Extension: read vectors and attributes by id."""

    model_config = ConfigDict(json_schema_extra={"examples": [{**_WHERE, "string_ids": ["train_000"]}]})
    string_ids: SomeIds = Field(description="The ids of the vectors to read (404 naming the first unknown one).")


class GetDataResponse(VecmlResponse):
    string_ids: list[str] = Field(description="The ids asked for, in the order given.")
    vectors: list[Any] = Field(description="Their vectors (sparse ones as {index: value} objects).")
    attributes: list[dict[str, Any]] = Field(description="Their attributes (missing ones left out).")


class DeleteDataRequest(CollectionRequest):
    """Extension: remove vectors by id."""

    model_config = ConfigDict(json_schema_extra={"examples": [{**_WHERE, "string_ids": ["train_000"]}]})
    string_ids: SomeIds = Field(description="The ids of the vectors to remove (404 naming the first unknown one).")


class DeleteDataResponse(VecmlResponse):
    num_deleted: int = Field(description="How many distinct vectors were removed.")
