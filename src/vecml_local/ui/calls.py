"""The console's way into the services: the JSON API's own request models and service calls.

`call(services, tenant, endpoint, fields)` validates `fields` with the endpoint's request
schema and calls the service exactly as its route does, so every rule (names, defaults,
bounds, messages) lives once, in the services. Errors are the API's own `VecmlError`s.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from ..schemas.analysis import ComputeVectorAnalysisRequest, ListVectorAnalysesRequest, VectorAnalysisRequest
from ..schemas.automl import (
    AutomlModelRequest,
    AutomlPredictRequest,
    ListAutomlModelInfosRequest,
    TrainAutomlModelRequest,
)
from ..schemas.clustering import (
    ClusteringModelRequest,
    ComputeClusteringMetricsRequest,
    ComputeTsneEmbeddingsRequest,
    GetDbscanKdistPlotRequest,
    ListClusteringModelInfosRequest,
    TrainDbscanRequest,
    TrainHdbscanRequest,
    TrainKmeansRequest,
)
from ..schemas.collections import DeleteCollectionRequest, GetCollectionInfoRequest, ListCollectionsRequest
from ..schemas.common import JobRequest, plain, validate_request
from ..schemas.data import GetDataRequest
from ..schemas.files import AttachAutomlLabelRequest, UploadAutomlXRequest
from ..schemas.job_listing import ListJobsRequest
from ..schemas.projects import CreateProjectRequest, DeleteProjectRequest, ListProjectsRequest
from ..services import Services, Tenant, job_listing

__all__ = ["call", "REQUESTS", "defaults"]

Handler = Callable[[Services, Tenant, Any], Any]


ENDPOINTS: dict[str, tuple[type[BaseModel], Handler]] = {
    "list_projects": (ListProjectsRequest, lambda s, t, b: s.projects.list_projects(t, b)),
    "create_project": (CreateProjectRequest, lambda s, t, b: s.projects.create_project(t, b)),
    "delete_project": (DeleteProjectRequest, lambda s, t, b: s.projects.delete_project(t, b)),
    "list_collections": (ListCollectionsRequest, lambda s, t, b: s.collections.list_collections(t, b)),
    "get_collection_info": (GetCollectionInfoRequest, lambda s, t, b: s.collections.get_collection_info(t, b)),
    "delete_collection": (DeleteCollectionRequest, lambda s, t, b: s.collections.delete_collection(t, b)),
    "upload_automl_X": (UploadAutomlXRequest, lambda s, t, b: s.files.upload_automl_X(t, b)),
    "attach_automl_label": (AttachAutomlLabelRequest, lambda s, t, b: s.files.attach_automl_label(t, b)),
    "train_automl_model": (TrainAutomlModelRequest, lambda s, t, b: s.automl.train_automl_model(t, b)),
    "list_automl_model_infos": (
        ListAutomlModelInfosRequest,
        lambda s, t, b: s.automl.list_automl_model_infos(t, b),
    ),
    "get_feature_importance": (AutomlModelRequest, lambda s, t, b: s.automl.get_feature_importance(t, b)),
    "get_model_validation_metric": (AutomlModelRequest, lambda s, t, b: s.automl.get_model_validation_metric(t, b)),
    "automl_predict": (AutomlPredictRequest, lambda s, t, b: s.automl.automl_predict(t, b)),
    "delete_automl_model": (AutomlModelRequest, lambda s, t, b: s.automl.delete_automl_model(t, b)),
    "train_kmeans": (TrainKmeansRequest, lambda s, t, b: s.clustering.train_kmeans(t, b)),
    "train_dbscan": (TrainDbscanRequest, lambda s, t, b: s.clustering.train_dbscan(t, b)),
    "train_hdbscan": (TrainHdbscanRequest, lambda s, t, b: s.clustering.train_hdbscan(t, b)),
    "list_clustering_model_infos": (
        ListClusteringModelInfosRequest,
        lambda s, t, b: s.clustering.list_clustering_model_infos(t, b),
    ),
    "get_clustering_labels": (ClusteringModelRequest, lambda s, t, b: s.clustering.get_clustering_labels(t, b)),
    "delete_clustering_model": (ClusteringModelRequest, lambda s, t, b: s.clustering.delete_clustering_model(t, b)),
    "get_dbscan_kdist_plot": (GetDbscanKdistPlotRequest, lambda s, t, b: s.clustering.get_dbscan_kdist_plot(t, b)),
    "compute_clustering_metrics": (
        ComputeClusteringMetricsRequest,
        lambda s, t, b: s.clustering.compute_clustering_metrics(t, b),
    ),
    "compute_tsne_embeddings": (
        ComputeTsneEmbeddingsRequest,
        lambda s, t, b: s.clustering.compute_tsne_embeddings(t, b),
    ),
    "get_data": (GetDataRequest, lambda s, t, b: s.data.get_data(t, b)),
    "compute_vector_analysis": (
        ComputeVectorAnalysisRequest,
        lambda s, t, b: s.analysis.compute_vector_analysis(t, b),
    ),
    "get_vector_analysis": (VectorAnalysisRequest, lambda s, t, b: s.analysis.get_vector_analysis(t, b)),
    "list_vector_analyses": (ListVectorAnalysesRequest, lambda s, t, b: s.analysis.list_vector_analyses(t, b)),
    "delete_vector_analysis": (VectorAnalysisRequest, lambda s, t, b: s.analysis.delete_vector_analysis(t, b)),
    "job_entry": (JobRequest, lambda s, t, b: job_listing.job_entry(s.jobs, t, str(b.job_id))),
    "list_jobs": (ListJobsRequest, lambda s, t, b: job_listing.list_jobs(s.jobs, t, b)),
}
REQUESTS = {name: model for name, (model, _) in ENDPOINTS.items()}


def defaults(endpoint: str) -> dict[str, Any]:
    """The documented defaults of an endpoint's optional fields (what its forms show)."""
    model = REQUESTS[endpoint]
    return {
        name: field.default
        for name, field in model.model_fields.items()
        if not field.is_required() and field.default is not None and name != "user_api_key"
    }


def call(services: Services, tenant: Tenant, endpoint: str, fields: dict[str, Any]) -> dict[str, Any]:
    model, handler = ENDPOINTS[endpoint]
    answer: dict[str, Any] = plain(handler(services, tenant, validate_request(model, fields)))
    return answer
