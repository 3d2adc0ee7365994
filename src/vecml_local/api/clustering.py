"""Clustering routes (the VecML documentation's Clustering API, plus the `train_hdbscan` extension).

`get_clustering_training_status` lives with the other status routes (api/jobs.py);
clustering jobs get their documented fields from the renderer the clustering
service registers.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request

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
from ..services.clustering import ClusteringService
from .deps import JSONBody, VecmlRoute, contract, parse_call, respond, services_of

router = APIRouter(tags=["clustering"], route_class=VecmlRoute)


def clustering_of(request: Request) -> ClusteringService:
    return services_of(request).clustering


@router.post("/train_kmeans", **contract(TrainKmeansRequest, TrainKmeansResponse, 409))
async def train_kmeans(request: Request) -> JSONBody:
    """Start training a K-Means model; poll `get_clustering_training_status` with the job id."""
    tenant, body = await parse_call(request, TrainKmeansRequest)
    return await respond(clustering_of(request).train_kmeans, tenant, body)


@router.post("/train_dbscan", **contract(TrainDbscanRequest, TrainDbscanResponse, 409))
async def train_dbscan(request: Request) -> JSONBody:
    """Start training a DBSCAN model; poll `get_clustering_training_status` with the job id."""
    tenant, body = await parse_call(request, TrainDbscanRequest)
    return await respond(clustering_of(request).train_dbscan, tenant, body)


@router.post("/train_hdbscan", **contract(TrainHdbscanRequest, TrainHdbscanResponse, 409))
async def train_hdbscan(request: Request) -> JSONBody:
    """Extension: start training an HDBSCAN model; `get_clustering_labels` then adds `probabilities`."""
    tenant, body = await parse_call(request, TrainHdbscanRequest)
    return await respond(clustering_of(request).train_hdbscan, tenant, body)


@router.post(
    "/list_clustering_model_infos", **contract(ListClusteringModelInfosRequest, ListClusteringModelInfosResponse)
)
async def list_clustering_model_infos(request: Request) -> JSONBody:
    """The clustering models of a dataset, oldest first."""
    tenant, body = await parse_call(request, ListClusteringModelInfosRequest)
    return await respond(clustering_of(request).list_clustering_model_infos, tenant, body)


@router.post("/delete_clustering_model", **contract(ClusteringModelRequest, DeleteClusteringModelResponse))
async def delete_clustering_model(request: Request) -> JSONBody:
    """Delete a clustering model (a training job still running is cancelled)."""
    tenant, body = await parse_call(request, ClusteringModelRequest)
    return await respond(clustering_of(request).delete_clustering_model, tenant, body)


@router.post("/get_clustering_labels", **contract(ClusteringModelRequest, GetClusteringLabelsResponse))
async def get_clustering_labels(request: Request) -> JSONBody:
    """Each vector's cluster label, in the dataset's insertion order."""
    tenant, body = await parse_call(request, ClusteringModelRequest)
    return await respond(clustering_of(request).get_clustering_labels, tenant, body)


@router.post("/get_kmeans_centroids", **contract(ClusteringModelRequest, GetKmeansCentroidsResponse))
async def get_kmeans_centroids(request: Request) -> JSONBody:
    """The centroids of a K-Means model."""
    tenant, body = await parse_call(request, ClusteringModelRequest)
    return await respond(clustering_of(request).get_kmeans_centroids, tenant, body)


@router.post("/get_dbscan_core_points", **contract(ClusteringModelRequest, GetDbscanCorePointsResponse))
async def get_dbscan_core_points(request: Request) -> JSONBody:
    """The positions of a DBSCAN model's core points."""
    tenant, body = await parse_call(request, ClusteringModelRequest)
    return await respond(clustering_of(request).get_dbscan_core_points, tenant, body)


@router.post("/get_dbscan_kdist_plot", **contract(GetDbscanKdistPlotRequest, GetDbscanKdistPlotResponse))
async def get_dbscan_kdist_plot(request: Request) -> JSONBody:
    """The k-distance curve of the dataset, to choose DBSCAN's eps."""
    tenant, body = await parse_call(request, GetDbscanKdistPlotRequest)
    return await respond(clustering_of(request).get_dbscan_kdist_plot, tenant, body)


@router.post(
    "/compute_clustering_metrics", **contract(ComputeClusteringMetricsRequest, ComputeClusteringMetricsResponse)
)
async def compute_clustering_metrics(request: Request) -> JSONBody:
    """Quality scores of a clustering model, with agreement scores when true labels are given."""
    tenant, body = await parse_call(request, ComputeClusteringMetricsRequest)
    return await respond(clustering_of(request).compute_clustering_metrics, tenant, body)


@router.post("/compute_tsne_embeddings", **contract(ComputeTsneEmbeddingsRequest, ComputeTsneEmbeddingsResponse))
async def compute_tsne_embeddings(request: Request) -> JSONBody:
    """A 2-D t-SNE map of (a sample of) the dataset, coloured by a clustering model."""
    tenant, body = await parse_call(request, ComputeTsneEmbeddingsRequest)
    return await respond(clustering_of(request).compute_tsne_embeddings, tenant, body)
