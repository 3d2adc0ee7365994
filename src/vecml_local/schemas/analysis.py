"""Requests of the vector-analysis extension: `compute_vector_analysis`, `get_vector_analysis`,
`list_vector_analyses`, `delete_vector_analysis`."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from .common import CollectionRequest

__all__ = ["ComputeVectorAnalysisRequest", "VectorAnalysisRequest"]


class VectorAnalysisRequest(CollectionRequest):
    """Names one analysis of a collection."""

    analysis_name: str = Field(description="The analysis' name, unique per collection (model-name rules).")
    include_projection: bool = Field(
        False, description="Also return every analysed item's 2-D coordinates and cluster (for a scatter plot)."
    )


class ComputeVectorAnalysisRequest(CollectionRequest):
    """Reduce the collection's vectors, cluster them with HDBSCAN and score a model's
    predictions inside every cluster, to find the groups where it does worst."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    "user_api_key": "your-api-key",
                    "project_name": "my-project",
                    "collection_name": "my-collection",
                    "analysis_name": "where-it-fails",
                    "model_name": "my-automl-model",
                    "label_attribute": "label",
                    "split_attribute": "split",
                }
            ]
        },
    )

    analysis_name: str = Field(description="Name of the analysis, unique per collection (model-name rules).")
    model_name: str | None = Field(
        None, description="An AutoML model whose predictions on this collection are evaluated."
    )
    label_attribute: str = Field(description="The attribute holding the true value of every vector.")
    prediction_attribute: str | None = Field(
        None, description="Instead of model_name: an attribute already holding a prediction for every vector."
    )
    task_type: Literal["classification", "regression"] | None = Field(
        None, description="With prediction_attribute: how to compare (default classification); a model's own otherwise."
    )
    split_attribute: str | None = Field(
        None, description="An attribute (e.g. train/valid/test) counted per cluster as its split distribution."
    )
    reduction: Literal["umap", "pca"] | None = Field(
        None, description="Dimension reduction before clustering: umap (when installed, the default) or pca."
    )
    target_dimensions: int = Field(10, ge=1, le=100, description="Dimensions after the reduction.")
    n_neighbors: int = Field(30, ge=2, le=500, description="UMAP's neighbourhood size.")
    min_dist: float = Field(0.05, ge=0.0, le=1.0, description="UMAP's minimum distance between embedded points.")
    max_samples: int = Field(
        20000, ge=10, le=200_000, description="At most this many vectors are analysed (a seeded sample)."
    )
    min_cluster_size: int = Field(2, ge=2, description="HDBSCAN: the smallest group that counts as a cluster.")
    min_samples: int = Field(1, ge=1, description="HDBSCAN: neighbours a point needs to be a core point.")
    cluster_selection_method: Literal["eom", "leaf"] = Field(
        "eom", description="HDBSCAN: excess of mass (eom) or leaf clusters."
    )
    random_seed: int = Field(1234567, ge=0, le=2**63 - 1, description="Seed of the sample and the reduction.")
