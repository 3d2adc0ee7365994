"""AutoML routes (the VecML documentation's AutoML API; the older version's spellings accepted).

`get_automl_training_status` lives with the other status routes (api/jobs.py);
training jobs get their documented fields from the renderer the AutoML service
registers when `Services` is built.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request

from ..schemas.automl import (
    AutomlModelRequest,
    AutomlPredictRequest,
    AutomlPredictResponse,
    DeleteAutomlModelResponse,
    GetFeatureImportanceResponse,
    GetModelValidationMetricResponse,
    ListAutomlModelInfosRequest,
    ListAutomlModelInfosResponse,
    TrainAutomlModelRequest,
    TrainAutomlModelResponse,
)
from ..services.automl import AutomlService
from .deps import JSONBody, VecmlRoute, contract, parse_call, respond, services_of

router = APIRouter(tags=["automl"], route_class=VecmlRoute)


def automl_of(request: Request) -> AutomlService:
    return services_of(request).automl


@router.post("/train_automl_model", **contract(TrainAutomlModelRequest, TrainAutomlModelResponse, 409))
async def train_automl_model(request: Request) -> JSONBody:
    """Start training a model; poll `get_automl_training_status` with the job id."""
    tenant, body = await parse_call(request, TrainAutomlModelRequest)
    return await respond(automl_of(request).train_automl_model, tenant, body)


@router.post("/automl_predict", **contract(AutomlPredictRequest, AutomlPredictResponse))
async def automl_predict(request: Request) -> JSONBody:
    """Predict with a trained model, for a dataset of the project or an inline file."""
    tenant, body = await parse_call(request, AutomlPredictRequest, file_payload=True)
    return await respond(automl_of(request).automl_predict, tenant, body)


@router.post("/get_feature_importance", **contract(AutomlModelRequest, GetFeatureImportanceResponse))
async def get_feature_importance(request: Request) -> JSONBody:
    """The model's most important features."""
    tenant, body = await parse_call(request, AutomlModelRequest)
    return await respond(automl_of(request).get_feature_importance, tenant, body)


@router.post("/get_model_validation_metric", **contract(AutomlModelRequest, GetModelValidationMetricResponse))
async def get_model_validation_metric(request: Request) -> JSONBody:
    """The model's scores on its validation data."""
    tenant, body = await parse_call(request, AutomlModelRequest)
    return await respond(automl_of(request).get_model_validation_metric, tenant, body)


@router.post("/list_automl_model_infos", **contract(ListAutomlModelInfosRequest, ListAutomlModelInfosResponse))
async def list_automl_model_infos(request: Request) -> JSONBody:
    """The AutoML models of a dataset."""
    tenant, body = await parse_call(request, ListAutomlModelInfosRequest)
    return await respond(automl_of(request).list_automl_model_infos, tenant, body)


@router.post("/delete_automl_model", **contract(AutomlModelRequest, DeleteAutomlModelResponse))
async def delete_automl_model(request: Request) -> JSONBody:
    """Delete a model (a training job still running is cancelled)."""
    tenant, body = await parse_call(request, AutomlModelRequest)
    return await respond(automl_of(request).delete_automl_model, tenant, body)
