"""Clustering routes (seed 000's Clustering API, plus the `train_hdbscan` extension).

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
    ComputeTsneEmbeddingsRequest,
    GetDbscanKdistPlotRequest,
    TrainDbscanRequest,
    TrainHdbscanRequest,
    TrainKmeansRequest,
)
from ..schemas.common import CollectionRequest
from ..services.clustering import ClusteringService
from .deps import JSONBody, VecmlRoute, parse_call, request_schema, respond, services_of

router = APIRouter(tags=["clustering"], route_class=VecmlRoute)


def clustering_of(request: Request) -> ClusteringService:
    """The clustering service; `Services` installs it (job handler, status renderer)."""
    return services_of(request).clustering


@router.post("/train_kmeans", openapi_extra=request_schema(TrainKmeansRequest))
async def train_kmeans(request: Request) -> JSONBody:
    tenant, body = await parse_call(request, TrainKmeansRequest)
    return await respond(clustering_of(request).train_kmeans, tenant, body)


@router.post("/train_dbscan", openapi_extra=request_schema(TrainDbscanRequest))
async def train_dbscan(request: Request) -> JSONBody:
    tenant, body = await parse_call(request, TrainDbscanRequest)
    return await respond(clustering_of(request).train_dbscan, tenant, body)


@router.post("/train_hdbscan", openapi_extra=request_schema(TrainHdbscanRequest))
async def train_hdbscan(request: Request) -> JSONBody:
    """Extension: HDBSCAN; `get_clustering_labels` then adds `probabilities`."""
    tenant, body = await parse_call(request, TrainHdbscanRequest)
    return await respond(clustering_of(request).train_hdbscan, tenant, body)


@router.post("/list_clustering_model_infos", openapi_extra=request_schema(CollectionRequest))
async def list_clustering_model_infos(request: Request) -> JSONBody:
    tenant, body = await parse_call(request, CollectionRequest)
    return await respond(
        clustering_of(request).list_clustering_model_infos, tenant, body.project_name, body.collection_name
    )


@router.post("/delete_clustering_model", openapi_extra=request_schema(ClusteringModelRequest))
async def delete_clustering_model(request: Request) -> JSONBody:
    tenant, body = await parse_call(request, ClusteringModelRequest)
    return await respond(clustering_of(request).delete_clustering_model, tenant, body)


@router.post("/get_clustering_labels", openapi_extra=request_schema(ClusteringModelRequest))
async def get_clustering_labels(request: Request) -> JSONBody:
    tenant, body = await parse_call(request, ClusteringModelRequest)
    return await respond(clustering_of(request).get_clustering_labels, tenant, body)


@router.post("/get_kmeans_centroids", openapi_extra=request_schema(ClusteringModelRequest))
async def get_kmeans_centroids(request: Request) -> JSONBody:
    tenant, body = await parse_call(request, ClusteringModelRequest)
    return await respond(clustering_of(request).get_kmeans_centroids, tenant, body)


@router.post("/get_dbscan_core_points", openapi_extra=request_schema(ClusteringModelRequest))
async def get_dbscan_core_points(request: Request) -> JSONBody:
    tenant, body = await parse_call(request, ClusteringModelRequest)
    return await respond(clustering_of(request).get_dbscan_core_points, tenant, body)


@router.post("/get_dbscan_kdist_plot", openapi_extra=request_schema(GetDbscanKdistPlotRequest))
async def get_dbscan_kdist_plot(request: Request) -> JSONBody:
    tenant, body = await parse_call(request, GetDbscanKdistPlotRequest)
    return await respond(clustering_of(request).get_dbscan_kdist_plot, tenant, body)


@router.post("/compute_clustering_metrics", openapi_extra=request_schema(ComputeClusteringMetricsRequest))
async def compute_clustering_metrics(request: Request) -> JSONBody:
    tenant, body = await parse_call(request, ComputeClusteringMetricsRequest)
    return await respond(clustering_of(request).compute_clustering_metrics, tenant, body)


@router.post("/compute_tsne_embeddings", openapi_extra=request_schema(ComputeTsneEmbeddingsRequest))
async def compute_tsne_embeddings(request: Request) -> JSONBody:
    tenant, body = await parse_call(request, ComputeTsneEmbeddingsRequest)
    return await respond(clustering_of(request).compute_tsne_embeddings, tenant, body)
