"""File routes: `upload` (seed 001), `upload_automl_X` (seed 000), `attach_automl_label`.

Their bodies are read with `file_payload=True`: the Base64 file is cut out of the
raw body rather than JSON-parsed (see `api/body.py`).
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request

from ..schemas.files import AttachAutomlLabelRequest, UploadAutomlXRequest, UploadRequest
from ..services.files import UploadFields
from .deps import JSONBody, VecmlRoute, parse_call, request_schema, respond, services_of

router = APIRouter(tags=["files"], route_class=VecmlRoute)


@router.post("/upload", openapi_extra=request_schema(UploadRequest))
async def upload(request: Request) -> JSONBody:
    tenant, body = await parse_call(request, UploadRequest, file_payload=True)
    return await respond(
        services_of(request).files.upload,
        tenant,
        body.project_name,
        body.collection_name,
        UploadFields.from_request(body),
    )


@router.post("/upload_automl_X", openapi_extra=request_schema(UploadAutomlXRequest))
async def upload_automl_X(request: Request) -> JSONBody:  # noqa: N802 - the documented name
    tenant, body = await parse_call(request, UploadAutomlXRequest, file_payload=True)
    return await respond(
        services_of(request).files.upload,
        tenant,
        body.project_name,
        body.collection_name,
        UploadFields.from_request(body),
    )


@router.post("/attach_automl_label", openapi_extra=request_schema(AttachAutomlLabelRequest))
async def attach_automl_label(request: Request) -> JSONBody:
    tenant, body = await parse_call(request, AttachAutomlLabelRequest, file_payload=True)
    payload, field = body.payload_and_field()
    return await respond(
        services_of(request).files.attach_automl_label,
        tenant,
        body.project_name,
        body.collection_name,
        payload=payload,
        payload_field=field,
        label_name=body.name(),
        has_field_names=body.has_field_names,
        compression_type=body.compression_type,
        checksum=body.checksum,
    )
