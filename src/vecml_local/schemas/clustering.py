"""Requests and answers of the clustering endpoints (the VecML documentation's Clustering API,
plus the `train_hdbscan` extension).

A model is named `cluster_model_name` when it is trained and `model_name` afterwards, as
documented; either spelling is accepted everywhere. Defaults and bounds are the documented
ones; enumerations are normalised once here (any case, the documented aliases), so the
service and `ml/` receive only the canonical values.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from ..ml.distances import canonical_dist_type
from .common import CollectionRequest, SuccessCode, VecmlResponse
from .models import OptionalName
from .types import NAMED_ERROR, SEED_MAX, LenientFloat, LenientInt, OptionalAttributeName, choice

__all__ = [
    "DistType",
    "ClusteringModelRequest",
    "TrainKmeansRequest",
    "TrainDbscanRequest",
    "TrainHdbscanRequest",
    "GetDbscanKdistPlotRequest",
    "ComputeClusteringMetricsRequest",
    "ComputeTsneEmbeddingsRequest",
    "ListClusteringModelInfosRequest",
    "TrainClusteringResponse",
    "TrainKmeansResponse",
    "TrainDbscanResponse",
    "TrainHdbscanResponse",
    "ListClusteringModelInfosResponse",
    "DeleteClusteringModelResponse",
    "GetClusteringLabelsResponse",
    "GetKmeansCentroidsResponse",
    "GetDbscanCorePointsResponse",
    "GetDbscanKdistPlotResponse",
    "ComputeClusteringMetricsResponse",
    "ComputeTsneEmbeddingsResponse",
]

_WHERE = {"user_api_key": "your_api_key", "project_name": "EmbeddingProject", "collection_name": "document_embeddings"}


def _dist_type(value: Any) -> str:
    """Any documented spelling (`L2`, `cosine`, `Inner Product`, ...) -> the echoed name."""
    try:
        return canonical_dist_type(value)
    except Exception as error:  # the alias table lives in ml.distances; its message names the field
        raise PydanticCustomError(
            NAMED_ERROR, "{problem}", {"problem": getattr(error, "message", str(error))}
        ) from None


DistType = Annotated[
    Literal["Euclidean", "Manhattan", "NegativeCosineSimilarity", "NegativeInnerProduct", "Hamming"],
    BeforeValidator(_dist_type),
]
DIST_TEXT = (
    "The distance: Euclidean (also L2), Manhattan (L1), Cosine (echoed as NegativeCosineSimilarity), "
    "Inner Product (echoed as NegativeInnerProduct) or Hamming; any case."
)
Threads = Annotated[LenientInt, Field(ge=1, le=1024)]
Seed = Annotated[LenientInt, Field(ge=0, le=SEED_MAX)]
THREADS_TEXT = "Worker threads to use."
SEED_TEXT = "Seed of the random choices (sampling, initialisation): the same seed gives the same result."


def _one_of(values: tuple[str, ...], default: str, aliases: dict[str, str] | None = None) -> BeforeValidator:
    """An enumeration in any case (and its aliases); null or "" mean the documented default."""
    normalise = choice(values, "unsupported value {value} (use " + " or ".join(map(repr, values)) + ")", aliases)
    return BeforeValidator(lambda value: normalise(value) or default)


class ClusteringModelRequest(CollectionRequest):
    """Any request naming an existing model: `model_name` (or `cluster_model_name`)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{**_WHERE, "model_name": "topic_clusters_v1"}]})
    model_name: OptionalName = Field(None, description="The clustering model (as named when it was trained).")
    cluster_model_name: OptionalName = Field(None, description="Accepted in place of model_name.")

    @model_validator(mode="after")
    def _either_name(self) -> ClusteringModelRequest:
        if self.model_name is None:
            self.model_name = self.cluster_model_name
        if self.model_name is None:
            field = "cluster_model_name" if isinstance(self, _Training) else "model_name"
            raise PydanticCustomError(NAMED_ERROR, f"{field} is required and must be a non-empty string")
        return self

    @property
    def name(self) -> str:
        """The model's name, whichever spelling carried it."""
        assert self.model_name is not None  # the validator above guarantees it
        return self.model_name


class _Training(ClusteringModelRequest):
    """A training request: the new model's name, unique in the dataset."""


class TrainKmeansRequest(_Training):
    """Train a K-Means model (asynchronous: poll `get_clustering_training_status`)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_WHERE,
                    "cluster_model_name": "topic_clusters_v1",
                    "kmeans_method": "kmeans",
                    "n_clusters": 20,
                    "n_init": 3,
                    "max_train_samples": 10000,
                    "dist_type": "Cosine",
                }
            ]
        }
    )
    kmeans_method: Annotated[Literal["kmeans", "kmeans_hamerly"], _one_of(("kmeans", "kmeans_hamerly"), "kmeans")] = (
        Field("kmeans", description="kmeans: Lloyd's iterations; kmeans_hamerly: Hamerly's faster exact variant.")
    )
    n_clusters: LenientInt = Field(ge=1, description="The number of clusters (at most the number of vectors).")
    n_init: LenientInt = Field(3, ge=1, le=100, description="Runs from different starts; the lowest inertia wins.")
    max_train_samples: LenientInt = Field(
        10000, ge=1, description="Train on a random sample of at most this many vectors; all are then labelled."
    )
    max_iterations: LenientInt = Field(100, ge=1, le=100000, description="Iterations per run at most.")
    tolerance: LenientFloat = Field(1e-4, ge=0, description="A run stops when the centroids move less than this.")
    num_threads: Threads = Field(4, description=THREADS_TEXT)
    random_seed: Seed = Field(1234567, description=SEED_TEXT)
    initialization_method: Annotated[
        Literal["k-means++", "random"],
        _one_of(
            ("k-means++", "random"),
            "k-means++",
            {"kmeans++": "k-means++", "kmeanspp": "k-means++", "k-means||": "k-means++"},
        ),
    ] = Field("k-means++", description="How the first centroids are chosen: k-means++ seeding or random vectors.")
    dist_type: DistType = Field("Euclidean", description=DIST_TEXT)

    @model_validator(mode="after")
    def _sample_holds_the_clusters(self) -> TrainKmeansRequest:
        if self.n_clusters > self.max_train_samples:
            raise PydanticCustomError(
                NAMED_ERROR,
                f"n_clusters ({self.n_clusters}) must not exceed max_train_samples ({self.max_train_samples}): "
                "the centroids are fitted on that sample",
            )
        return self


class TrainDbscanRequest(_Training):
    """Train a DBSCAN model (asynchronous); noise points get the label -1."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_WHERE,
                    "collection_name": "sensor_readings",
                    "cluster_model_name": "anomaly_detection_v1",
                    "eps": 0.3,
                    "min_samples": 10,
                    "dist_type": "Euclidean",
                }
            ]
        }
    )
    eps: LenientFloat = Field(
        description="The neighbourhood radius (>= 0; only the Inner Product distance may be negative)."
    )
    min_samples: LenientInt = Field(
        ge=1, description="Neighbours (the point included) that make a core point; at most the number of vectors."
    )
    dist_type: DistType = Field("Euclidean", description=DIST_TEXT)
    num_threads: Threads = Field(4, description=THREADS_TEXT)
    random_seed: Seed = Field(1234567, description=SEED_TEXT)

    @model_validator(mode="after")
    def _radius(self) -> TrainDbscanRequest:
        if self.eps < 0 and self.dist_type != "NegativeInnerProduct":
            raise PydanticCustomError(NAMED_ERROR, "eps must be >= 0 (only Inner Product distances can be negative)")
        return self


class TrainHdbscanRequest(_Training):
    """Extension: train an HDBSCAN model; `get_clustering_labels` then adds membership probabilities."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{**_WHERE, "cluster_model_name": "topics_hdbscan", "min_cluster_size": 15}]}
    )
    min_cluster_size: LenientInt = Field(5, ge=2, description="The smallest group of vectors that counts as a cluster.")
    min_samples: LenientInt | None = Field(
        None, ge=1, description="Neighbours that make a point dense; absent: min_cluster_size."
    )
    cluster_selection_method: Annotated[Literal["eom", "leaf"], _one_of(("eom", "leaf"), "eom")] = Field(
        "eom", description="eom: the most persistent clusters; leaf: the finest ones."
    )
    dist_type: DistType = Field("Euclidean", description=DIST_TEXT + " Inner Product is not supported here.")
    num_threads: Threads = Field(4, description=THREADS_TEXT)
    random_seed: Seed = Field(1234567, description=SEED_TEXT)

    @model_validator(mode="after")
    def _metric(self) -> TrainHdbscanRequest:
        if self.dist_type == "NegativeInnerProduct":
            raise PydanticCustomError(
                NAMED_ERROR, "dist_type 'Inner Product' is not supported by HDBSCAN; use Cosine or Euclidean"
            )
        return self


class ListClusteringModelInfosRequest(CollectionRequest):
    """The clustering models of a dataset, oldest first."""

    model_config = ConfigDict(json_schema_extra={"examples": [{**_WHERE}]})


class GetDbscanKdistPlotRequest(CollectionRequest):
    """The sorted k-th-neighbour distances of a sample of the dataset, to choose DBSCAN's eps."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{**_WHERE, "k": 10, "max_num_samples": 5000, "dist_type": "Cosine"}]}
    )
    k: LenientInt = Field(5, ge=1, description="Which neighbour's distance; set it to the planned min_samples.")
    max_num_samples: LenientInt = Field(2000, ge=1, description="Vectors sampled at random at most.")
    max_num_grids: LenientInt = Field(200, ge=1, le=100000, description="Points of the returned curve at most.")
    dist_type: DistType = Field("Euclidean", description=DIST_TEXT)
    num_threads: Threads = Field(3, description=THREADS_TEXT)
    random_seed: Seed = Field(1234567, description=SEED_TEXT)


class ComputeClusteringMetricsRequest(ClusteringModelRequest):
    """Quality scores of a model's clusters; with true labels, agreement scores too."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{**_WHERE, "model_name": "topic_clusters_v1", "ground_truth_attribute": "category"}]
        }
    )
    ground_truth_attribute: OptionalAttributeName = Field(
        None, description="An attribute holding each vector's true class."
    )
    ground_truth_labels: Annotated[Any, WithJsonSchema({"type": "array", "items": {"type": "string"}})] = Field(
        None, description="Or the true classes themselves, one per vector in the dataset's order."
    )
    random_seed: Seed = Field(1234567, description="Seed of the sample the silhouette is computed on.")


class ComputeTsneEmbeddingsRequest(ClusteringModelRequest):
    """A 2-D t-SNE map of (a sample of) the dataset, each point with its cluster label."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{**_WHERE, "model_name": "topic_clusters_v1", "max_samples": 2000}]}
    )
    max_samples: LenientInt = Field(2000, ge=1, description="Vectors sampled at random at most.")
    perplexity: LenientFloat = Field(
        30.0,
        gt=0,
        description="The effective number of neighbours; at most (points - 1) / 3 (the default adapts to small data).",
    )
    theta: LenientFloat = Field(0.5, ge=0, le=1, description="Barnes-Hut accuracy/speed trade-off; 0 is exact.")
    max_iter: LenientInt = Field(600, ge=1, le=100000, description="Optimisation iterations.")
    learning_rate: LenientFloat = Field(200.0, gt=0, description="The optimiser's step size.")
    random_seed: Seed = Field(1234567, description=SEED_TEXT)


# -- answers --------------------------------------------------------------------------

_INTS = {"type": "array", "items": {"type": "integer"}}
_FLOATS = {"type": "array", "items": {"type": "number"}}


class TrainClusteringResponse(VecmlResponse):
    job_id: str = Field(description="The training job: poll get_clustering_training_status with it.")


class TrainKmeansResponse(TrainClusteringResponse):
    pass


class TrainDbscanResponse(TrainClusteringResponse):
    pass


class TrainHdbscanResponse(TrainClusteringResponse):
    pass


_MODEL_INFO = {
    "type": "object",
    "properties": {
        "model_name": {"type": "string"},
        "model_type": {"type": "string", "description": "kmeans, kmeans_hamerly, dbscan or hdbscan"},
        "distance_type": {"type": "string"},
        "create_time": {"type": "string", "description": "YYYY/MM/DD HH:MM"},
        "model_path": {"type": "string"},
        "params": {"type": "object", "description": "The algorithm's parameters, as numbers"},
        "status": {"type": "string", "description": "Extension: finished, in_progress or failed"},
    },
}


class ListClusteringModelInfosResponse(VecmlResponse):
    model_infos: Annotated[list[Any], WithJsonSchema({"type": "array", "items": _MODEL_INFO})] = Field(
        description="One object per model, oldest first."
    )


class DeleteClusteringModelResponse(VecmlResponse):
    status: Literal["finished"] = Field("finished", description='Always "finished".')
    error_code: Literal["Success"] = Field("Success", description='Always "Success".')


class GetClusteringLabelsResponse(VecmlResponse, SuccessCode):
    labels: Annotated[Any, WithJsonSchema(_INTS)] = Field(
        description="One cluster label per vector, in the dataset's insertion order; -1 is noise."
    )
    probabilities: Annotated[Any, WithJsonSchema(_FLOATS)] = Field(
        None, description="Extension, HDBSCAN models: each vector's membership strength, 0 to 1."
    )


class GetKmeansCentroidsResponse(VecmlResponse, SuccessCode):
    centroids: Annotated[Any, WithJsonSchema({"type": "array", "items": _FLOATS})] = Field(
        description="n_clusters rows of vector_dim numbers."
    )


class GetDbscanCorePointsResponse(VecmlResponse, SuccessCode):
    core_points: Annotated[Any, WithJsonSchema(_INTS)] = Field(
        description="Positions (insertion order) of the core points."
    )


class GetDbscanKdistPlotResponse(VecmlResponse, SuccessCode):
    k: int = Field(description="The neighbour whose distance was measured.")
    dist_type: str = Field(description="The distance, by its echoed name.")
    max_num_samples: int = Field(description="As requested.")
    max_num_grids: int = Field(description="As requested.")
    kdist_grid_desc: Annotated[Any, WithJsonSchema(_FLOATS)] = Field(
        description="k-th-neighbour distances, largest first, at evenly spaced points of the sorted curve."
    )
    slope_grid_desc: Annotated[Any, WithJsonSchema(_FLOATS)] = Field(
        description="The curve's slope at each of those points."
    )
    suggested_eps: float = Field(
        description="Extension: the k-distance at the curve's knee (farthest from the chord between its ends), "
        "a starting eps for DBSCAN with min_samples = k."
    )
    suggested_eps_index: int = Field(description="Extension: the knee's index in kdist_grid_desc.")


class ComputeClusteringMetricsResponse(VecmlResponse):
    status: Literal["finished"] = Field("finished", description='Always "finished".')
    metrics: Annotated[dict[str, Any], WithJsonSchema({"type": "object", "additionalProperties": True})] = Field(
        description="distance_type, ground_truth_attribute, ground_truth_labels_provided, noise_ratio, a dispersion "
        "(inertia_sse, L1_dispersion or cosine_dispersion by distance), davies_bouldin, calinski_harabasz, "
        "silhouette; with ground truth also adjusted_rand_index, normalized_mutual_info, best_match_accuracy, "
        "homogeneity, completeness, v_measure."
    )


_POINT = {
    "type": "object",
    "properties": {"label": {"type": "integer"}, "x": {"type": "number"}, "y": {"type": "number"}},
}


class ComputeTsneEmbeddingsResponse(VecmlResponse):
    status: Literal["finished"] = Field("finished", description='Always "finished".')
    num_points: int = Field(description="How many vectors were embedded.")
    parameters: Annotated[dict[str, Any], WithJsonSchema({"type": "object", "additionalProperties": True})] = Field(
        description="max_samples, perplexity, theta and max_iter as used."
    )
    embeddings: Annotated[list[Any], WithJsonSchema({"type": "array", "items": _POINT})] = Field(
        description="One point per embedded vector: its cluster label and 2-D position."
    )
