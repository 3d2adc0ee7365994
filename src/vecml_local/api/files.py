"""File routes: `upload` (seed 001), `upload_automl_X` (seed 000), `attach_automl_label`.

The body of an upload is mostly one Base64 string. Parsing it as JSON would copy
and scan it for nothing (~0.4 s per 100 MB), so `parse_file_call` cuts the payload
string out of the raw body, parses the small remainder, and checks the cut was
exactly that one string; anything unusual falls back to a plain JSON parse.
"""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

import orjson
from fastapi import APIRouter
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from ..errors import BadRequest
from ..schemas.files import AttachAutomlLabelRequest, UploadAutomlXRequest, UploadRequest
from ..services import Tenant
from ..services.files import UploadFields
from .deps import JSONBody, request_schema, respond, services_of, too_large

router = APIRouter(tags=["files"])

M = TypeVar("M", bound=BaseModel)
_FAST_FROM = 1 << 20  # bodies smaller than this are simply parsed
_PAYLOAD_KEY = re.compile(rb'"(X|Y|file_data)"\s*:\s*"')


def split_payload(body: bytes | bytearray) -> dict[str, Any]:
    """The JSON object in ``body``; its Base64 payload, when cut out safely, is a memoryview of it."""
    if len(body) >= _FAST_FROM:
        match = _PAYLOAD_KEY.search(body)
        if match is not None:
            start = match.end()
            end = body.find(b'"', start)
            if end > 0 and body.find(b"\\", start, end) < 0:
                rest = body[:start] + body[end:]
                if len(_PAYLOAD_KEY.findall(rest)) == 1:
                    try:
                        parsed = orjson.loads(rest)
                    except orjson.JSONDecodeError:
                        parsed = None
                    key = match.group(1).decode()
                    if isinstance(parsed, dict) and parsed.get(key) == "":
                        parsed[key] = memoryview(body)[start:end]  # no copy of the payload
                        return parsed
    return _parse_json(body)


def _parse_json(body: bytes | bytearray) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        try:  # lenient, as every endpoint: raw newlines or tabs inside strings
            parsed = json.loads(bytes(body).decode("utf-8", errors="replace"), strict=False)
        except json.JSONDecodeError as error:
            raise BadRequest(
                f"Request body is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"
            ) from None
    if not isinstance(parsed, dict):
        raise BadRequest("Request body must be a JSON object")
    return parsed


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def parse_file_call(request: Request, model: type[M]) -> tuple[Tenant, M]:
    """`deps.parse_call` for bodies carrying a file: same limits, key, rate limit and schema."""
    services = services_of(request)
    limit = services.context.settings.max_request_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large(limit)
    raw = await run_in_threadpool(split_payload, body) if len(body) > 65536 else split_payload(body)
    del body
    tenant = await run_in_threadpool(services.keys.authenticate, raw.get("user_api_key") or _bearer(request))
    services.rate_limiter.check(tenant)
    try:
        return tenant, model.model_validate(raw)
    except ValidationError as error:
        item = error.errors()[0]
        raise BadRequest(f"{'.'.join(str(p) for p in item['loc']) or 'body'}: {item['msg']}") from None


def _fields(body: UploadRequest) -> UploadFields:
    payload, field = body.payload_and_field()
    return UploadFields(
        payload=payload, payload_field=field, file_format=body.file_format,
        has_field_names=body.has_field_names, vector_type=body.vector_type,
        vector_data_field_name=body.vector_data_field_name, categorical_features=body.categorical_features,
        vector_attributes=body.vector_attributes, binary_dtype=body.binary_dtype, binary_dim=body.binary_dim,
        compression_type=body.compression_type, checksum=body.checksum,
    )


@router.post("/upload", openapi_extra=request_schema(UploadRequest))
async def upload(request: Request) -> JSONBody:
    tenant, body = await parse_file_call(request, UploadRequest)
    return await respond(
        services_of(request).files.upload, tenant, body.project_name, body.collection_name, _fields(body)
    )


@router.post("/upload_automl_X", openapi_extra=request_schema(UploadAutomlXRequest))
async def upload_automl_X(request: Request) -> JSONBody:  # noqa: N802 - the documented name
    tenant, body = await parse_file_call(request, UploadAutomlXRequest)
    return await respond(
        services_of(request).files.upload, tenant, body.project_name, body.collection_name, _fields(body)
    )


@router.post("/attach_automl_label", openapi_extra=request_schema(AttachAutomlLabelRequest))
async def attach_automl_label(request: Request) -> JSONBody:
    tenant, body = await parse_file_call(request, AttachAutomlLabelRequest)
    payload, field = body.payload_and_field()
    return await respond(
        services_of(request).files.attach_automl_label, tenant, body.project_name, body.collection_name,
        payload=payload, payload_field=field, label_name=body.name(), has_field_names=body.has_field_names,
        compression_type=body.compression_type, checksum=body.checksum,
    )
