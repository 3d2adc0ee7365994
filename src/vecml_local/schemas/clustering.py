"""Requests of the clustering endpoints (seed 000's Clustering API, plus `train_hdbscan`).

`cluster_model_name` and `model_name` are accepted on every endpoint that names a
model. Numeric options keep the documented defaults; range checks happen in the
service (400 naming the field).
"""

from __future__ import annotations

from typing import Any

from pydantic import model_validator

from .common import CollectionRequest

__all__ = [
    "ClusteringModelRequest",
    "TrainKmeansRequest",
    "TrainDbscanRequest",
    "TrainHdbscanRequest",
    "GetDbscanKdistPlotRequest",
    "ComputeClusteringMetricsRequest",
    "ComputeTsneEmbeddingsRequest",
]


class ClusteringModelRequest(CollectionRequest):
    """Any request naming a model: `model_name` or `cluster_model_name`."""

    model_name: Any = None
    cluster_model_name: Any = None

    @model_validator(mode="after")
    def _either_name(self) -> ClusteringModelRequest:
        if self.model_name is None and self.cluster_model_name is not None:
            self.model_name = self.cluster_model_name
        return self

    @property
    def name(self) -> Any:
        return self.model_name


class TrainKmeansRequest(ClusteringModelRequest):
    kmeans_method: Any = "kmeans"
    n_clusters: Any = None
    n_init: Any = 3
    max_train_samples: Any = 10000
    max_iterations: Any = 100
    tolerance: Any = 1e-4
    num_threads: Any = 4
    random_seed: Any = 1234567
    initialization_method: Any = "k-means++"
    dist_type: Any = "Euclidean"


class TrainDbscanRequest(ClusteringModelRequest):
    eps: Any = None
    min_samples: Any = None
    dist_type: Any = "Euclidean"
    num_threads: Any = 4
    random_seed: Any = 1234567


class TrainHdbscanRequest(ClusteringModelRequest):
    """Extension: HDBSCAN (labels plus membership probabilities)."""

    min_cluster_size: Any = 5
    min_samples: Any = None
    cluster_selection_method: Any = "eom"
    dist_type: Any = "Euclidean"
    num_threads: Any = 4
    random_seed: Any = 1234567


class GetDbscanKdistPlotRequest(CollectionRequest):
    k: Any = 5
    max_num_samples: Any = 2000
    max_num_grids: Any = 200
    dist_type: Any = "Euclidean"
    num_threads: Any = 3
    random_seed: Any = 1234567


class ComputeClusteringMetricsRequest(ClusteringModelRequest):
    ground_truth_attribute: Any = None
    ground_truth_labels: Any = None
    random_seed: Any = 1234567


class ComputeTsneEmbeddingsRequest(ClusteringModelRequest):
    max_samples: Any = 2000
    perplexity: Any = 30.0
    theta: Any = 0.5
    max_iter: Any = 600
    learning_rate: Any = 200.0
    random_seed: Any = 1234567
