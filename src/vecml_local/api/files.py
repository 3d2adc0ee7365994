"""File routes: `upload` (the older VecML documentation), `upload_automl_X`, `attach_automl_label`.

Their bodies are read with `file_payload=True`: the Base64 file is cut out of the
raw body rather than JSON-parsed (see `api/body.py`).
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request

from ..schemas.files import (
    AttachAutomlLabelRequest,
    AttachAutomlLabelResponse,
    UploadAutomlXRequest,
    UploadAutomlXResponse,
    UploadRequest,
    UploadResponse,
)
from .deps import JSONBody, VecmlRoute, contract, parse_call, respond, services_of

router = APIRouter(tags=["files"], route_class=VecmlRoute)


@router.post("/upload", **contract(UploadRequest, UploadResponse))
async def upload(request: Request) -> JSONBody:
    """Upload a csv, json, libsvm or binary file of vectors into a dataset (created if missing)."""
    tenant, body = await parse_call(request, UploadRequest, file_payload=True)
    return await respond(services_of(request).files.upload, tenant, body)


@router.post("/upload_automl_X", **contract(UploadAutomlXRequest, UploadAutomlXResponse))
async def upload_automl_X(request: Request) -> JSONBody:  # noqa: N802 - the documented name
    """Upload the feature file of an AutoML dataset (created if missing, appended to otherwise)."""
    tenant, body = await parse_call(request, UploadAutomlXRequest, file_payload=True)
    return await respond(services_of(request).files.upload_automl_X, tenant, body)


@router.post("/attach_automl_label", **contract(AttachAutomlLabelRequest, AttachAutomlLabelResponse))
async def attach_automl_label(request: Request) -> JSONBody:
    """Attach a label column to a dataset from a file of one label per line (asynchronous)."""
    tenant, body = await parse_call(request, AttachAutomlLabelRequest, file_payload=True)
    return await respond(services_of(request).files.attach_automl_label, tenant, body)
