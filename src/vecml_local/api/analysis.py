"""Vector-analysis routes (extension): where a model fails, cluster by cluster.

`compute_vector_analysis` starts a job polled with `get_clustering_training_status`;
the answer is read with `get_vector_analysis`.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request

from ..schemas.analysis import (
    ComputeVectorAnalysisRequest,
    ComputeVectorAnalysisResponse,
    DeleteVectorAnalysisResponse,
    GetVectorAnalysisResponse,
    ListVectorAnalysesRequest,
    ListVectorAnalysesResponse,
    VectorAnalysisRequest,
)
from .deps import JSONBody, VecmlRoute, contract, parse_call, respond, services_of

router = APIRouter(tags=["analysis"], route_class=VecmlRoute)


@router.post("/compute_vector_analysis", **contract(ComputeVectorAnalysisRequest, ComputeVectorAnalysisResponse, 409))
async def compute_vector_analysis(request: Request) -> JSONBody:
    """Extension: reduce, cluster (HDBSCAN) and score a model per cluster, as a job."""
    tenant, body = await parse_call(request, ComputeVectorAnalysisRequest)
    return await respond(services_of(request).analysis.compute_vector_analysis, tenant, body)


@router.post("/get_vector_analysis", **contract(VectorAnalysisRequest, GetVectorAnalysisResponse))
async def get_vector_analysis(request: Request) -> JSONBody:
    """Extension: the clusters of a finished analysis, worst first."""
    tenant, body = await parse_call(request, VectorAnalysisRequest)
    return await respond(services_of(request).analysis.get_vector_analysis, tenant, body)


@router.post("/list_vector_analyses", **contract(ListVectorAnalysesRequest, ListVectorAnalysesResponse))
async def list_vector_analyses(request: Request) -> JSONBody:
    """Extension: the analyses of a collection."""
    tenant, body = await parse_call(request, ListVectorAnalysesRequest)
    return await respond(services_of(request).analysis.list_vector_analyses, tenant, body)


@router.post("/delete_vector_analysis", **contract(VectorAnalysisRequest, DeleteVectorAnalysisResponse))
async def delete_vector_analysis(request: Request) -> JSONBody:
    """Extension: delete an analysis (cancels it while it runs)."""
    tenant, body = await parse_call(request, VectorAnalysisRequest)
    return await respond(services_of(request).analysis.delete_vector_analysis, tenant, body)
