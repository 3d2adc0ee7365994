"""Requests and responses of `search` (extension: nearest-neighbour search of a collection)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import ConfigDict, Field, WithJsonSchema

from .clustering import DistType
from .common import CollectionRequest, VecmlResponse
from .types import LenientBool, LenientInt

__all__ = [
    "SearchRequest",
    "SearchResponse",
    "BuildIndexRequest",
    "BuildIndexResponse",
    "DeleteIndexRequest",
    "DeleteIndexResponse",
    "MAX_TOP_K",
]

MAX_TOP_K = 1000


class SearchRequest(CollectionRequest):
    """Find the stored vectors closest to each query (exact search)."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    "user_api_key": "your-api-key",
                    "project_name": "my-project",
                    "collection_name": "my-collection",
                    "query_vectors": [[0.1, 0.2, 0.3, 0.4]],
                    "top_k": 5,
                    "dist_type": "Euclidean",
                    "filter": {"color": ["red", "blue"]},
                    "include_attributes": True,
                }
            ]
        },
    )

    # Raw on purpose: converted in bulk with the collection's vector type, like `add_data_batch`'s `data`.
    query_vectors: Annotated[Any, WithJsonSchema({"type": "array", "items": {}})] = Field(
        None,
        description="Query vectors in the collection's vector type (rows of numbers; sparse as "
        '{"index": value} objects). Give this or `query_ids`.',
    )
    query_ids: list[str] | None = Field(
        None, description="String ids of stored vectors to use as queries. Give this or `query_vectors`."
    )
    top_k: LenientInt = Field(10, ge=1, le=MAX_TOP_K, description="How many neighbours to return per query.")
    dist_type: DistType = Field(
        "Euclidean",
        description="Distance: Euclidean (L2), Manhattan (L1), Cosine, Inner Product, or Hamming.",
    )
    filter: dict[str, Any] | None = Field(
        None,
        description='Only vectors whose attributes match: {"attr": value} or {"attr": [value1, value2]} '
        "(every named attribute must match one of its values).",
    )
    include_vectors: LenientBool = Field(False, description="Also return each neighbour's vector.")
    include_attributes: LenientBool = Field(False, description="Also return each neighbour's attributes.")
    approximate: LenientBool = Field(
        False,
        description="Use the collection's approximate (HNSW) index built by build_index; exact search when "
        "there is none or the collection changed since (the answer then carries a warning).",
    )
    ef_search: LenientInt = Field(
        64, ge=1, le=4096, description="HNSW only: candidates examined per query (more: better recall, slower)."
    )


class SearchResponse(VecmlResponse):
    """Neighbours of each query, closest first; ties in insertion order."""

    dist_type: str = Field(description="The distance used, by its canonical name.")
    top_k: int = Field(description="Neighbours per query (fewer when fewer vectors match the filter).")
    ids: list[list[str]] = Field(description="[n_queries][top_k] string ids of the neighbours.")
    distances: list[list[float]] = Field(description="[n_queries][top_k] distances, ascending.")
    attributes: list[list[dict[str, Any]]] | None = Field(
        None, description="[n_queries][top_k] attributes of the neighbours (with include_attributes)."
    )
    vectors: list[list[Any]] | None = Field(
        None, description="[n_queries][top_k] vectors of the neighbours (with include_vectors)."
    )
    approximate: bool | None = Field(None, description="True when the HNSW index answered (approximate: true).")
    warnings: list[str] | None = Field(None, description="Why an approximate request was answered exactly.")


class BuildIndexRequest(CollectionRequest):
    """Build an approximate (HNSW) index of the collection for `search` with `approximate: true`."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "user_api_key": "your-api-key",
                    "project_name": "my-project",
                    "collection_name": "my-collection",
                    "dist_type": "Cosine",
                    "m": 32,
                }
            ]
        },
    )

    dist_type: DistType = Field(
        "Euclidean", description="The distance the index serves: Euclidean, Cosine or Inner Product."
    )
    m: LenientInt = Field(32, ge=4, le=128, description="HNSW: links per node (more: better recall, more memory).")
    ef_construction: LenientInt = Field(
        200, ge=16, le=2000, description="HNSW: candidates examined while building (more: better graph, slower build)."
    )


class DeleteIndexRequest(CollectionRequest):
    """Drop the collection's approximate index for one distance."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"user_api_key": "your-api-key", "project_name": "my-project", "collection_name": "my-collection"}
            ]
        },
    )

    dist_type: DistType = Field("Euclidean", description="The distance of the index to drop.")


class BuildIndexResponse(VecmlResponse):
    """The index is built and kept in this server's memory."""

    dist_type: str = Field(description="The distance the index serves, by its canonical name.")
    num_vectors: int = Field(description="Vectors in the index.")
    build_seconds: float = Field(description="Time the build took.")


class DeleteIndexResponse(VecmlResponse):
    """The index is gone; searches are exact."""
