"""AutoML routes (seed 000's AutoML API; seed 001 spellings accepted).

`get_automl_training_status` lives with the other status routes (api/jobs.py);
training jobs get their documented fields from the renderer the AutoML service
registers when `Services` is built.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request

from ..schemas.automl import AutomlModelRequest, AutomlPredictRequest, TrainAutomlModelRequest
from ..schemas.common import CollectionRequest
from ..services.automl import AutomlService
from .deps import JSONBody, VecmlRoute, parse_call, request_schema, respond, services_of

router = APIRouter(tags=["automl"], route_class=VecmlRoute)


def automl_of(request: Request) -> AutomlService:
    return services_of(request).automl


@router.post("/train_automl_model", openapi_extra=request_schema(TrainAutomlModelRequest))
async def train_automl_model(request: Request) -> JSONBody:
    tenant, body = await parse_call(request, TrainAutomlModelRequest)
    return await respond(automl_of(request).train_automl_model, tenant, body)


@router.post("/automl_predict", openapi_extra=request_schema(AutomlPredictRequest))
async def automl_predict(request: Request) -> JSONBody:
    tenant, body = await parse_call(request, AutomlPredictRequest, file_payload=True)
    return await respond(automl_of(request).automl_predict, tenant, body)


@router.post("/get_feature_importance", openapi_extra=request_schema(AutomlModelRequest))
async def get_feature_importance(request: Request) -> JSONBody:
    tenant, body = await parse_call(request, AutomlModelRequest)
    return await respond(automl_of(request).get_feature_importance, tenant, body)


@router.post("/get_model_validation_metric", openapi_extra=request_schema(AutomlModelRequest))
async def get_model_validation_metric(request: Request) -> JSONBody:
    tenant, body = await parse_call(request, AutomlModelRequest)
    return await respond(automl_of(request).get_model_validation_metric, tenant, body)


@router.post("/list_automl_model_infos", openapi_extra=request_schema(CollectionRequest))
async def list_automl_model_infos(request: Request) -> JSONBody:
    tenant, body = await parse_call(request, CollectionRequest)
    return await respond(automl_of(request).list_automl_model_infos, tenant, body.project_name, body.collection_name)


@router.post("/delete_automl_model", openapi_extra=request_schema(AutomlModelRequest))
async def delete_automl_model(request: Request) -> JSONBody:
    tenant, body = await parse_call(request, AutomlModelRequest)
    return await respond(automl_of(request).delete_automl_model, tenant, body)
