"""Datasets (collections): `init`; extensions `list_collections`, `get_collection_info`, `delete_collection`."""

from __future__ import annotations

from pydantic import ConfigDict, Field, JsonValue

from ..ingest.vectors import MAX_VECTOR_DIM
from .common import BodyModel, CollectionRequest, ProjectRequest, VecmlResponse
from .types import LenientInt, RequiredVectorType

__all__ = [
    "InitRequest",
    "InitResponse",
    "ListCollectionsRequest",
    "ListCollectionsResponse",
    "GetCollectionInfoRequest",
    "GetCollectionInfoResponse",
    "DeleteCollectionRequest",
    "DeleteCollectionResponse",
    "CollectionInfo",
]

_WHERE: dict[str, JsonValue] = {
    "user_api_key": "your_api_key",
    "project_name": "AutoML-Demo",
    "collection_name": "training_data",
}
VECTOR_TYPE = (
    "The element type of the vectors: dense (float32), dense8Bit (integers 0-255), dense4Bit (0-15), "
    "dense2Bit (0-3), dense1Bit (0/1) or sparse (index:value pairs)."
)


class InitRequest(CollectionRequest):
    """Create an empty dataset whose vectors all have one type and dimension."""

    model_config = ConfigDict(json_schema_extra={"examples": [{**_WHERE, "vector_type": "dense", "vector_dim": 64}]})
    vector_type: RequiredVectorType = Field(description=VECTOR_TYPE)
    vector_dim: LenientInt = Field(
        ge=1,
        le=MAX_VECTOR_DIM,
        description="The number of components of every vector (for sparse: the largest index + 1).",
    )


class InitResponse(VecmlResponse):
    pass


class ListCollectionsRequest(ProjectRequest):
    """Extension: the datasets of a project with their sizes and schema."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"user_api_key": "your_api_key", "project_name": "AutoML-Demo"}]}
    )


class CollectionInfo(BodyModel):
    collection_name: str = Field(description="The dataset's name.")
    num_vectors: int = Field(description="How many vectors it holds now.")
    vector_dim: int = Field(description="The dimension of its vectors.")
    vector_type: str = Field(description="The element type of its vectors.")
    attributes: list[str] = Field(description="The names of its attributes (labels, categorical columns, ...).")
    categorical_features: list[str] = Field(description="The attributes declared categorical at upload.")
    column_names: list[str] | None = Field(description="The names of the vector components, when a file gave them.")
    create_time: str = Field(description="When the dataset was created, YYYY/MM/DD HH:MM:SS.")


class ListCollectionsResponse(VecmlResponse):
    collections: list[CollectionInfo] = Field(description="The project's datasets, by name.")


class GetCollectionInfoRequest(CollectionRequest):
    """Extension: size, type, dimension, attribute names and categoricals of a dataset."""

    model_config = ConfigDict(json_schema_extra={"examples": [_WHERE]})


class GetCollectionInfoResponse(VecmlResponse, CollectionInfo):
    pass


class DeleteCollectionRequest(CollectionRequest):
    """Extension: remove a dataset with its vectors, models and unfinished jobs."""

    model_config = ConfigDict(json_schema_extra={"examples": [_WHERE]})


class DeleteCollectionResponse(VecmlResponse):
    pass
