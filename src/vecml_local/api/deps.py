"""Reading a call: body (size-limited, lenient JSON), API key, rate limit, request schema.

Every route does `tenant, body = await parse_call(request, SomeRequest)` and then
`return await respond(service_method, ...)`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ..errors import BadRequest, PayloadTooLarge
from ..services import Services, Tenant

__all__ = ["parse_call", "respond", "services_of", "JSONBody", "request_schema", "read_json_body"]

M = TypeVar("M", bound=BaseModel)


class JSONBody(Response):
    """orjson-rendered JSON: numpy values allowed; NaN and Infinity become null."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS)


def services_of(request: Request) -> Services:
    return request.app.state.services


def request_schema(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` documenting the JSON body that `parse_call` reads by hand."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"Request body is larger than the limit of {limit // (1024 * 1024)} MB")


async def read_json_body(request: Request, limit: int) -> dict[str, Any]:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large(limit)
    # Large bodies take a second to parse: do it off the event loop so polls stay fast.
    return await run_in_threadpool(_parse_json_object, body) if len(body) > 65536 else _parse_json_object(body)


def _parse_json_object(body: bytearray) -> dict[str, Any]:
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        if not body.strip():
            return {}
        parsed = _lenient_json(body)
    if not isinstance(parsed, dict):
        raise BadRequest("Request body must be a JSON object")
    return parsed


def _lenient_json(body: bytearray) -> Any:
    """Accept what strict parsers refuse but clients send: raw newlines/tabs inside strings."""
    try:
        return json.loads(body.decode("utf-8", errors="replace"), strict=False)
    except json.JSONDecodeError as error:
        raise BadRequest(
            f"Request body is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from None


def _describe(error: ValidationError) -> str:
    problems = []
    for item in error.errors()[:3]:
        where = ".".join(str(part) for part in item["loc"]) or "body"
        problems.append(f"{where}: {item['msg']}")
    return "; ".join(problems)


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def parse_call(request: Request, model: type[M]) -> tuple[Tenant, M]:
    services = services_of(request)
    raw = await read_json_body(request, services.context.settings.max_request_bytes)
    key = raw.get("user_api_key") or _bearer(request)
    tenant = await run_in_threadpool(services.keys.authenticate, key)
    services.rate_limiter.check(tenant)
    try:
        body = model.model_validate(raw)
    except ValidationError as error:
        raise BadRequest(_describe(error)) from None
    return tenant, body


async def respond(function: Callable[..., dict[str, Any]], *args: Any, **kwargs: Any) -> JSONBody:
    """Run a (blocking) service call off the event loop and render its answer."""
    return JSONBody(await run_in_threadpool(function, *args, **kwargs))
