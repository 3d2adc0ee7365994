"""Clustering: `train_kmeans`, `train_dbscan`, `train_hdbscan` (extension),
`list_clustering_model_infos`, `delete_clustering_model`, `get_clustering_labels`,
`get_kmeans_centroids`, `get_dbscan_core_points`, `get_dbscan_kdist_plot`,
`compute_clustering_metrics`, `compute_tsne_embeddings`; the status of clustering
jobs is rendered by `render_clustering_status` for `get_clustering_training_status`.

Models are rows of `models` (family "clustering"), their arrays in
`models/<id>/model.npz`. Labels follow the collection's internal order (insertion
order) at training time.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from ..errors import BadRequest
from ..jobs import JobContext
from ..schemas.clustering import (
    ClusteringModelRequest,
    ComputeClusteringMetricsRequest,
    ComputeClusteringMetricsResponse,
    ComputeTsneEmbeddingsRequest,
    ComputeTsneEmbeddingsResponse,
    DeleteClusteringModelResponse,
    GetClusteringLabelsResponse,
    GetDbscanCorePointsResponse,
    GetDbscanKdistPlotRequest,
    GetDbscanKdistPlotResponse,
    GetKmeansCentroidsResponse,
    ListClusteringModelInfosRequest,
    ListClusteringModelInfosResponse,
    TrainDbscanRequest,
    TrainDbscanResponse,
    TrainHdbscanRequest,
    TrainHdbscanResponse,
    TrainKmeansRequest,
    TrainKmeansResponse,
)
from ..storage import Collection, Model
from ..storage.repository import get_collection
from ..storage.snapshots import CollectionSnapshot
from ..timefmt import format_minute
from .clustering_models import (
    CLUSTERING_KIND,
    JOB_LABELS,
    kmeans_options,
    kmeans_outputs,
    list_params,
    load_artifacts,
    save_artifacts,
)
from .context import ServiceContext, Tenant
from .models import Trained, TrainingInput, TrainingLifecycle, outlook
from .readcache import cached_read

__all__ = ["ClusteringService"]

FAMILY = "clustering"

# What a training job stores (and `get_clustering_training_status` shows, in this order).
PARAMS = {
    "kmeans": (
        "kmeans_method",
        "n_clusters",
        "n_init",
        "dist_type",
        "initialization_method",
        "max_iterations",
        "tolerance",
        "num_threads",
        "random_seed",
        "max_train_samples",
    ),
    "dbscan": ("eps", "min_samples", "dist_type", "num_threads", "random_seed"),
    "hdbscan": (
        "min_cluster_size",
        "min_samples",
        "cluster_selection_method",
        "dist_type",
        "num_threads",
        "random_seed",
    ),
}
TrainRequest = TrainKmeansRequest | TrainDbscanRequest | TrainHdbscanRequest


class ClusteringService:
    def __init__(self, context: ServiceContext) -> None:
        self.context = context
        self.models = TrainingLifecycle(
            context, family=FAMILY, kind=CLUSTERING_KIND, status_endpoint="get_clustering_training_status"
        )
        context.runner.register(CLUSTERING_KIND, self.run_training_job)

    # -- training ------------------------------------------------------------
    def train_kmeans(self, tenant: Tenant, request: TrainKmeansRequest) -> TrainKmeansResponse:
        return TrainKmeansResponse(job_id=self._submit(tenant, request, "kmeans"))

    def train_dbscan(self, tenant: Tenant, request: TrainDbscanRequest) -> TrainDbscanResponse:
        return TrainDbscanResponse(job_id=self._submit(tenant, request, "dbscan"))

    def train_hdbscan(self, tenant: Tenant, request: TrainHdbscanRequest) -> TrainHdbscanResponse:
        return TrainHdbscanResponse(job_id=self._submit(tenant, request, "hdbscan"))

    def _submit(self, tenant: Tenant, request: TrainRequest, algorithm: str) -> str:
        params = {field: getattr(request, field) for field in PARAMS[algorithm]}
        return self.models.submit(
            tenant,
            request.project_name,
            request.collection_name,
            request.name,
            job_label=JOB_LABELS[algorithm],
            model_type=params.get("kmeans_method", algorithm),
            params=params,
            info={"algorithm": algorithm},
            payload={"algorithm": algorithm, "params": params},
            check=lambda session, collection: _check_collection(session, collection, algorithm, params),
        )

    def run_training_job(self, job: JobContext) -> dict[str, Any]:
        return self.models.run(job, self._train)

    def _train(self, job: JobContext, data: TrainingInput) -> Trained:
        algorithm, params = job.payload["algorithm"], job.payload["params"]
        snapshot = data.snapshot
        if snapshot.num_rows == 0:
            raise BadRequest("The collection has no vectors to cluster")
        job.report(0.05, f"{algorithm} on {snapshot.num_rows} vectors")
        arrays, info = _fit(algorithm, params, snapshot.vectors, job)  # data errors: mapped by the lifecycle
        job.report(0.95, "saving the model")
        save_artifacts(data.directory, arrays)
        info.update(algorithm=algorithm, num_vectors=int(snapshot.num_rows), vector_dim=int(snapshot.vectors.shape[1]))
        return Trained(info, {"num_vectors": info["num_vectors"], "n_clusters": info["n_clusters"]})

    # -- reading models ------------------------------------------------------
    def _ready_model(self, tenant: Tenant, request: ClusteringModelRequest) -> Model:
        return self.models.ready_model(tenant, request.project_name, request.collection_name, request.name)

    def _arrays_of(
        self, tenant: Tenant, request: ClusteringModelRequest, algorithm: str | None = None, what: str = ""
    ) -> dict[str, np.ndarray]:
        """The stored arrays of a ready model; of `algorithm`, if given (else 400 saying `what`)."""
        model = self._ready_model(tenant, request)
        if algorithm is not None and self._algorithm(model) != algorithm:
            raise BadRequest(f"Model {model.name!r} is a {self._algorithm(model)} model; {what}")
        return load_artifacts(self.context.files.model_dir(model.id))

    @staticmethod
    def _algorithm(model: Model) -> str:
        return str((model.info or {}).get("algorithm", "kmeans"))

    def get_clustering_labels(self, tenant: Tenant, request: ClusteringModelRequest) -> GetClusteringLabelsResponse:
        arrays = self._arrays_of(tenant, request)
        probabilities = None
        if "probabilities" in arrays:
            probabilities = [round(float(p), 6) for p in arrays["probabilities"]]
        return GetClusteringLabelsResponse(labels=arrays["labels"].tolist(), probabilities=probabilities)

    def get_kmeans_centroids(self, tenant: Tenant, request: ClusteringModelRequest) -> GetKmeansCentroidsResponse:
        arrays = self._arrays_of(tenant, request, "kmeans", "centroids exist only for k-means models")
        return GetKmeansCentroidsResponse(centroids=arrays["centroids"].astype(float).tolist())

    def get_dbscan_core_points(self, tenant: Tenant, request: ClusteringModelRequest) -> GetDbscanCorePointsResponse:
        arrays = self._arrays_of(tenant, request, "dbscan", "core points exist only for DBSCAN models")
        return GetDbscanCorePointsResponse(core_points=arrays["core_points"].tolist())

    @cached_read
    def list_clustering_model_infos(
        self, tenant: Tenant, request: ListClusteringModelInfosRequest
    ) -> ListClusteringModelInfosResponse:
        infos = []
        for model in self.models.list_models(tenant, request.project_name, request.collection_name):
            algorithm = self._algorithm(model)
            infos.append(
                {
                    "model_name": model.name,
                    "model_type": model.model_type if algorithm == "kmeans" else algorithm,
                    "distance_type": model.params.get("dist_type", "Euclidean"),
                    "create_time": format_minute(model.created_at),
                    "model_path": f"models/{model.id}",  # relative to the data dir: no server path in answers
                    "params": list_params(algorithm, model.params),
                    "status": self.models.status_word(model),
                }
            )
        return ListClusteringModelInfosResponse(model_infos=infos)

    def delete_clustering_model(self, tenant: Tenant, request: ClusteringModelRequest) -> DeleteClusteringModelResponse:
        self.models.delete(tenant, request.project_name, request.collection_name, request.name)
        return DeleteClusteringModelResponse()

    # -- analysis ------------------------------------------------------------
    def _snapshot(self, tenant: Tenant, project_name: str, collection_name: str) -> CollectionSnapshot:
        with self.context.db.session() as session:
            collection = get_collection(session, tenant.id, project_name, collection_name)
            snapshot = self.context.snapshots.read(session, collection)
        if snapshot.num_rows == 0:
            raise BadRequest(f"Collection {collection_name!r} has no vectors")
        return snapshot

    def _model_rows(
        self, tenant: Tenant, request: ClusteringModelRequest
    ) -> tuple[Model, CollectionSnapshot, np.ndarray]:
        model = self._ready_model(tenant, request)
        snapshot = self._snapshot(tenant, request.project_name, request.collection_name)
        arrays = load_artifacts(self.context.files.model_dir(model.id))
        labels = arrays["labels"]
        if labels.size != snapshot.num_rows:
            raise BadRequest(
                f"Model {model.name!r} was trained on {labels.size} vectors but the collection now "
                f"has {snapshot.num_rows}; train the model again"
            )
        return model, snapshot, labels

    def get_dbscan_kdist_plot(self, tenant: Tenant, request: GetDbscanKdistPlotRequest) -> GetDbscanKdistPlotResponse:
        from ..ml.clustering.kdist import kdist_plot, knee_index

        snapshot = self._snapshot(tenant, request.project_name, request.collection_name)
        grid, slope = kdist_plot(
            snapshot.vectors,
            k=request.k,
            max_num_samples=request.max_num_samples,
            max_num_grids=request.max_num_grids,
            dist_type=request.dist_type,
            num_threads=request.num_threads,
            random_seed=request.random_seed,
        )
        return GetDbscanKdistPlotResponse(
            k=request.k,
            dist_type=request.dist_type,
            max_num_samples=request.max_num_samples,
            max_num_grids=request.max_num_grids,
            kdist_grid_desc=grid,
            slope_grid_desc=slope,
            suggested_eps=grid[knee_index(grid)],  # extension: the knee (docs/differences.md)
            suggested_eps_index=knee_index(grid),
        )

    def compute_clustering_metrics(
        self, tenant: Tenant, request: ComputeClusteringMetricsRequest
    ) -> ComputeClusteringMetricsResponse:
        from ..ml.clustering.metrics import clustering_metrics

        model, snapshot, labels = self._model_rows(tenant, request)
        truth, attribute = None, request.ground_truth_attribute or ""
        if attribute:
            if attribute not in snapshot.attributes:
                raise BadRequest(f"ground_truth_attribute {attribute!r} is not an attribute of the collection")
            column = snapshot.attributes[attribute]
            missing = int(sum(v is None for v in column))
            if missing:
                raise BadRequest(f"ground_truth_attribute {attribute!r} is missing for {missing} vectors")
            truth = [str(v) for v in column]
        elif request.ground_truth_labels is not None:
            given = request.ground_truth_labels
            if not isinstance(given, list):
                raise BadRequest("ground_truth_labels must be an array of strings, one per vector")
            if len(given) != snapshot.num_rows:
                raise BadRequest(
                    f"ground_truth_labels has {len(given)} labels but the collection has {snapshot.num_rows} vectors"
                )
            truth = [str(v) for v in given]
        dist_type = model.params.get("dist_type", "Euclidean")
        metrics = clustering_metrics(
            snapshot.vectors, labels, dist_type=dist_type, ground_truth=truth, random_seed=request.random_seed
        )
        head = {
            "distance_type": dist_type,
            "ground_truth_attribute": attribute,
            "ground_truth_labels_provided": truth is not None and not attribute,
        }
        return ComputeClusteringMetricsResponse(metrics={**head, **metrics})

    def compute_tsne_embeddings(
        self, tenant: Tenant, request: ComputeTsneEmbeddingsRequest
    ) -> ComputeTsneEmbeddingsResponse:
        from ..ml.clustering.tsne import tsne_embed

        model, snapshot, labels = self._model_rows(tenant, request)
        if "perplexity" in request.model_fields_set:  # the default adapts to small samples; a chosen value must fit
            _check_perplexity(request.perplexity, request.max_samples, snapshot.num_rows)
        idx, emb = tsne_embed(
            snapshot.vectors,
            max_samples=request.max_samples,
            perplexity=request.perplexity,
            theta=request.theta,
            max_iter=request.max_iter,
            learning_rate=request.learning_rate,
            random_seed=request.random_seed,
            dist_type=model.params.get("dist_type", "Euclidean"),
        )
        points = [
            {"label": int(labels[i]), "x": round(float(x), 6), "y": round(float(y), 6)}
            for i, (x, y) in zip(idx.tolist(), emb.tolist())
        ]
        parameters = {name: getattr(request, name) for name in ("max_samples", "perplexity", "theta", "max_iter")}
        return ComputeTsneEmbeddingsResponse(num_points=len(points), parameters=parameters, embeddings=points)


# Parameters that count vectors: each must not exceed the number of vectors to cluster.
_SIZE_FIELDS = {"kmeans": ("n_clusters",), "dbscan": ("min_samples",), "hdbscan": ("min_cluster_size", "min_samples")}


def _check_collection(session: Session, collection: Collection, algorithm: str, params: dict[str, Any]) -> None:
    """Refuse before a job exists what the collection's type and size already rule out."""
    if params.get("dist_type") == "Hamming" and collection.vector_type == "sparse":
        raise BadRequest(f"dist_type 'Hamming' is not supported on sparse collections ({collection.name!r} is sparse)")
    n = outlook(session, collection).num_vectors
    if n == 0:
        raise BadRequest(f"Collection {collection.name!r} has no vectors to cluster")
    if algorithm == "hdbscan" and n < 2:
        raise BadRequest(f"HDBSCAN needs at least 2 vectors; collection {collection.name!r} has 1")
    for field in _SIZE_FIELDS[algorithm]:
        value = params.get(field)
        if value is not None and value > n:
            raise BadRequest(
                f"{field} ({value}) is larger than the number of vectors in collection {collection.name!r} ({n})"
            )


def _check_perplexity(perplexity: float, max_samples: int, num_vectors: int) -> None:
    """t-SNE needs each point to have about 3 x perplexity neighbours among the points embedded."""
    points = min(max_samples, num_vectors)
    limit = (points - 1) / 3.0
    if perplexity > limit:
        raise BadRequest(
            f"perplexity ({perplexity:g}) is too large for {points} points (max_samples {max_samples}, "
            f"{num_vectors} vectors): it must be at most (points - 1) / 3 = {limit:.4g}"
        )


def _fit(
    algorithm: str, params: dict[str, Any], X: Any, job: JobContext
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Run one algorithm; numeric arrays to store and a JSON-able summary. The job can
    stop it (ml.Cancelled between chunks of work) and hears its progress."""

    def progress(fraction: float, message: str) -> None:
        job.report(0.05 + 0.9 * fraction, message)

    if algorithm == "kmeans":
        from ..ml.clustering.kmeans import fit_kmeans

        r = fit_kmeans(
            X,
            method=params["kmeans_method"],
            **kmeans_options(params),
            should_stop=job.cancelled,
            progress=progress,
        )
        return kmeans_outputs(r)
    if algorithm == "dbscan":
        from ..ml.clustering.dbscan import fit_dbscan

        d = fit_dbscan(
            X,
            eps=params["eps"],
            min_samples=params["min_samples"],
            dist_type=params["dist_type"],
            num_threads=params["num_threads"],
            should_stop=job.cancelled,
            progress=progress,
        )
        return (
            {"labels": d.labels.astype(np.int32), "core_points": d.core_indices.astype(np.int64)},
            {
                "n_clusters": int(d.n_clusters),
                "noise_ratio": float((d.labels < 0).mean()),
                "num_core_points": int(d.core_indices.size),
            },
        )
    from ..ml.clustering.hdbscan import fit_hdbscan

    h = fit_hdbscan(
        X,
        min_cluster_size=params["min_cluster_size"],
        min_samples=params["min_samples"],
        cluster_selection_method=params["cluster_selection_method"],
        dist_type=params["dist_type"],
        num_threads=params["num_threads"],
        should_stop=job.cancelled,  # a large fit runs in a child process, killed on a cancel
        progress=progress,
    )
    return (
        {"labels": h.labels.astype(np.int32), "probabilities": h.probabilities.astype(np.float64)},
        {"n_clusters": int(h.n_clusters), "noise_ratio": float((h.labels < 0).mean())},
    )
