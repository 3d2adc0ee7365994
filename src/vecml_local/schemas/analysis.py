"""Requests and responses of the vector-analysis extension: `compute_vector_analysis`,
`get_vector_analysis`, `list_vector_analyses`, `delete_vector_analysis`."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field, JsonValue

from .common import AcceptedJobResponse, BodyModel, CollectionRequest, VecmlResponse
from .types import SEED_MAX, AttributeName, LenientBool, LenientFloat, LenientInt, Name

__all__ = [
    "ComputeVectorAnalysisRequest",
    "VectorAnalysisRequest",
    "ListVectorAnalysesRequest",
    "ComputeVectorAnalysisResponse",
    "GetVectorAnalysisResponse",
    "ListVectorAnalysesResponse",
    "DeleteVectorAnalysisResponse",
]

_WHERE: dict[str, JsonValue] = {
    "user_api_key": "your-api-key",
    "project_name": "my-project",
    "collection_name": "my-collection",
}


class VectorAnalysisRequest(CollectionRequest):
    """Names one analysis of a collection."""

    model_config = ConfigDict(json_schema_extra={"examples": [{**_WHERE, "analysis_name": "where-it-fails"}]})

    analysis_name: Name = Field(description="The analysis' name, unique per collection (model-name rules).")
    include_projection: LenientBool = Field(
        False, description="Also return every analysed item's 2-D coordinates and cluster (for a scatter plot)."
    )


class ListVectorAnalysesRequest(CollectionRequest):
    """The analyses of one collection."""

    model_config = ConfigDict(json_schema_extra={"examples": [_WHERE]})


class ComputeVectorAnalysisRequest(CollectionRequest):
    """Reduce the collection's vectors, cluster them with HDBSCAN and score a model's
    predictions inside every cluster, to find the groups where it does worst."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_WHERE,
                    "analysis_name": "where-it-fails",
                    "model_name": "my-automl-model",
                    "label_attribute": "label",
                    "split_attribute": "split",
                }
            ]
        },
    )

    analysis_name: Name = Field(description="Name of the analysis, unique per collection (model-name rules).")
    model_name: Name | None = Field(
        None, description="An AutoML model whose predictions on this collection are evaluated."
    )
    label_attribute: AttributeName = Field(description="The attribute holding the true value of every vector.")
    prediction_attribute: AttributeName | None = Field(
        None, description="Instead of model_name: an attribute already holding a prediction for every vector."
    )
    task_type: Literal["classification", "regression"] | None = Field(
        None, description="With prediction_attribute: how to compare (default classification); a model's own otherwise."
    )
    split_attribute: AttributeName | None = Field(
        None, description="An attribute (e.g. train/valid/test) counted per cluster as its split distribution."
    )
    reduction: Literal["umap", "pca"] | None = Field(
        None, description="Dimension reduction before clustering: umap (when installed, the default) or pca."
    )
    target_dimensions: LenientInt = Field(10, ge=1, le=100, description="Dimensions after the reduction.")
    n_neighbors: LenientInt = Field(30, ge=2, le=500, description="UMAP's neighbourhood size.")
    min_dist: LenientFloat = Field(0.05, ge=0.0, le=1.0, description="UMAP's minimum distance between embedded points.")
    max_samples: LenientInt = Field(
        20000, ge=10, le=200_000, description="At most this many vectors are analysed (a seeded sample)."
    )
    min_cluster_size: LenientInt = Field(
        2, ge=2, le=1_000_000, description="HDBSCAN: the smallest group that counts as a cluster."
    )
    min_samples: LenientInt = Field(
        1, ge=1, le=1_000_000, description="HDBSCAN: neighbours a point needs to be a core point."
    )
    cluster_selection_method: Literal["eom", "leaf"] = Field(
        "eom", description="HDBSCAN: excess of mass (eom) or leaf clusters."
    )
    random_seed: LenientInt = Field(1234567, ge=0, le=SEED_MAX, description="Seed of the sample and of the reduction.")


class ComputeVectorAnalysisResponse(AcceptedJobResponse):
    """The analysis job was accepted: poll it with get_clustering_training_status."""


class AnalysisCluster(BodyModel):
    id: int = Field(description="The cluster's id; -1 is the noise bucket.")
    num_vectors: int = Field(description="Analysed vectors in the cluster.")
    split_distribution: dict[str, int] = Field(description="Vectors per value of split_attribute.")
    metrics: dict[str, float | None] = Field(
        description="Classification: accuracy, correctness_std, precision, recall, f1 (macro). "
        "Regression: abs_error_mean/std/min/max, rmse."
    )
    sample_ids: list[str] = Field(description="Up to 10 string ids of the cluster's vectors, in insertion order.")


class GetVectorAnalysisResponse(VecmlResponse):
    """A finished analysis: how the vectors were reduced and clustered, and the clusters, worst first."""

    analysis_name: str = Field(description="The analysis' name.")
    clustering: dict[str, Any] = Field(
        description="method, n_clusters, metrics {noise_ratio, silhouette}, parameters, processing_time_seconds."
    )
    preprocessing: dict[str, Any] = Field(
        description="method, original_dimensions, target_dimensions, n_neighbors, min_dist, num_vectors."
    )
    clusters: list[AnalysisCluster] = Field(description="Every cluster, worst first; the noise bucket last.")
    projection: dict[str, list[Any]] | None = Field(
        None, description="With include_projection: x, y and cluster of every analysed vector."
    )


class AnalysisInfo(BodyModel):
    analysis_name: str = Field(description="The analysis' name.")
    model_name: str | None = Field(description="The AutoML model evaluated, if any.")
    label_attribute: str | None = Field(description="The attribute with the true values.")
    prediction_attribute: str | None = Field(description="The attribute with the predictions, if used.")
    reduction: str | None = Field(description="umap or pca.")
    create_time: str = Field(description="When the analysis was requested.")
    status: str = Field(description="in_progress, finished or failed.")


class ListVectorAnalysesResponse(VecmlResponse):
    """The analyses of the collection, oldest first."""

    analyses: list[AnalysisInfo] = Field(description="One entry per analysis.")


class DeleteVectorAnalysisResponse(VecmlResponse):
    """The analysis and its files are gone (a running one is cancelled)."""
