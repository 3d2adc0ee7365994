"""Reading a call: body (size-limited, lenient JSON), API key, rate limit, request schema.

Every route does `tenant, body = await parse_call(request, SomeRequest)` and then
`return await respond(service_method, ...)`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ..errors import BadRequest
from ..services import Services, Tenant
from .body import read_body, too_large

__all__ = ["parse_call", "respond", "services_of", "JSONBody", "request_schema", "too_large"]

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


async def parse_call(request: Request, model: type[M], *, file_payload: bool = False) -> tuple[Tenant, M]:
    """Body (size-limited), API key, rate limit, schema. `file_payload`: the body carries a
    Base64 file in `X`, `Y` or `file_data`, which is cut out without a JSON parse."""
    services = services_of(request)
    limit = services.context.settings.max_request_bytes
    raw = await read_body(request, limit, file_payload=file_payload)
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
