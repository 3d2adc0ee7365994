"""Reading a call (body, API key, rate limit, request schema) and writing its answer.

Every route has the same three lines (see docs in /work/notes/contract-interfaces.md):

    @router.post("/create_project", **contract(CreateProjectRequest, CreateProjectResponse, 409))
    async def create_project(request: Request) -> JSONBody:
        tenant, body = await parse_call(request, CreateProjectRequest)
        return await respond(services_of(request).projects.create_project, tenant, body)

`contract` documents the request body (read by `parse_call`, not by FastAPI, so bulk
payloads skip pydantic), the 200 body and the error envelopes; routers are built with
`route_class=VecmlRoute`, which turns a bug of ours into a logged 500 with an error id.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import orjson
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..errors import BadRequest, VecmlError, client_error, internal_error
from ..middleware import KEY_FINGERPRINT
from ..schemas.common import BodyModel, ErrorResponse, validate_request
from ..schemas.types import INT_BOUND, text_problem
from ..services import Services, Tenant
from .body import read_body, too_large

__all__ = [
    "parse_call",
    "parse_unauthenticated",
    "validated",
    "respond",
    "services_of",
    "JSONBody",
    "request_schema",
    "contract",
    "error_responses",
    "VecmlRoute",
    "too_large",
]

M = TypeVar("M", bound=BaseModel)

# What each error status means, with a typical message, as documented in OpenAPI for every endpoint.
ERROR_MEANINGS = {
    400: (
        "Bad request: the message names the field, row or line (also the rate limit's plain-text answer).",
        "project_name 'a b' may contain only letters, digits, '_', '-' and '.'",
    ),
    401: ("Missing or unknown user_api_key.", "user_api_key is not a valid API key"),
    403: ("Refused in this server mode.", "Resetting every tenant is disabled when VECML_LOCAL_AUTH=keys"),
    404: (
        "A project, collection, model or job that does not exist: '... does not exist'.",
        "Project 'ProjectA' does not exist",
    ),
    409: ("The name is in use: '... already exists'.", "Project 'ProjectA' already exists"),
    413: (
        "The request body or a decoded file is larger than the configured limit.",
        "Request body is larger than the limit of 200 MB",
    ),
    500: (
        "A bug in the server (never the client's fault); the answer carries the error_id it was logged under.",
        "Internal server error (error id 3f2a9c1b7d4e): a bug in vecml-local, not a problem with your request",
    ),
    501: ("Documented by VecML but not emulated.", "This endpoint is documented by VecML but not emulated"),
}
_ALWAYS = (400, 401, 404, 413)


def _default(value: Any) -> Any:
    if isinstance(value, BodyModel):
        return value.to_body()
    raise TypeError


class JSONBody(JSONResponse):
    """orjson-rendered JSON: response models, numpy values allowed; NaN and Infinity become null."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, default=_default, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for the error envelope: 400, 401, 404, 413 always, plus `statuses`."""
    answers: dict[int | str, dict[str, Any]] = {}
    for status in sorted({*_ALWAYS, *statuses}):
        meaning, message = ERROR_MEANINGS[status]
        example = {"success": False, "error_message": message}
        answers[status] = {
            "model": ErrorResponse,
            "description": meaning,
            "content": {"application/json": {"example": example}},
        }
    return answers


def contract(request: type[BaseModel], response: type[BaseModel], *statuses: int) -> dict[str, Any]:
    """The decorator arguments documenting one endpoint: request body, 200 body, error answers."""
    return {
        "response_model": response,
        "responses": error_responses(*statuses),
        "openapi_extra": request_schema(request),
        "response_class": JSONBody,
    }


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def request_schema(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` documenting the JSON body that `parse_call` reads by hand. A body with
    no required field may be left out (the key can come in the `Authorization` header)."""
    schema = _standard_bounds(model.model_json_schema())
    return {
        "requestBody": {
            "required": bool(schema.get("required")),
            "content": {"application/json": {"schema": schema}},
        }
    }


_BOUNDS = {"ge": "minimum", "le": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum"}


def _standard_bounds(node: Any) -> Any:
    """Pydantic writes a bound on an optional lenient number (`LenientInt | None = Field(ge=1)`)
    as `ge`/`le` inside the number's branch, which JSON Schema ignores: say `minimum`/`maximum`,
    so clients and fuzzers see the bounds the server enforces."""
    if isinstance(node, dict):
        out = {k: _standard_bounds(v) for k, v in node.items()}
        if node.get("type") in ("integer", "number"):
            for raw, standard in _BOUNDS.items():
                if raw in out:
                    out.setdefault(standard, out.pop(raw))
        if node.get("type") == "integer":  # what lenient_int enforces, unless the field says more
            out.setdefault("minimum", -INT_BOUND)
            out.setdefault("maximum", INT_BOUND)
        return out
    if isinstance(node, list):
        return [_standard_bounds(v) for v in node]
    return node


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
    if isinstance(key, str) and text_problem(key):  # refused before it is hashed
        raise BadRequest(f"user_api_key: {text_problem(key)}")
    # A key seen recently costs a dict lookup; a thread hop only when the database is asked.
    tenant = services.keys.remembered(key)
    if tenant is None:
        tenant = await run_in_threadpool(services.keys.authenticate, key)
    request.scope.setdefault("state", {})[KEY_FINGERPRINT] = tenant.fingerprint  # for the request log line
    services.rate_limiter.check(tenant)
    return tenant, validated(model, raw)


async def parse_unauthenticated(request: Request, model: type[M]) -> M:
    """Body and schema only (the `/_local` controls): a Bearer key fills a missing `user_api_key`."""
    raw = await read_body(request, services_of(request).context.settings.max_request_bytes)
    if raw.get("user_api_key") in (None, "") and _bearer(request):  # not 0 or false: a wrong type stays wrong
        raw["user_api_key"] = _bearer(request)
    return validated(model, raw)


def validated(model: type[M], raw: dict[str, Any]) -> M:
    """`raw` as `model`; a 400 naming the first fields at fault otherwise."""
    return validate_request(model, raw)


async def respond(function: Callable[..., Any], *args: Any, **kwargs: Any) -> JSONBody:
    """Run a (blocking) service call off the event loop and render its answer
    (a `VecmlResponse`, or a plain dict from a service not converted yet). A call whose
    answer is already in memory (`peek`, see services/readcache.py) is answered on the loop:
    under load a thread hop costs more than the whole request."""
    peek = getattr(function, "peek", None)
    if peek is not None and not kwargs:
        answer = peek(getattr(function, "__self__", None), *args)
        if answer is not None:
            return JSONBody(answer)
    return JSONBody(await run_in_threadpool(function, *args, **kwargs))


class VecmlRoute(APIRoute):
    """Errors say whose fault they are: a client's error propagates to the envelope handlers;
    a data error of `ml`/`ingest` becomes a 400 (`errors.client_error`); anything else is our
    bug, logged with a traceback and answered 500 with an error id. Answering here (rather
    than in Starlette's last-resort handler, which re-raises) keeps the connection usable."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except (VecmlError, HTTPException, RequestValidationError):
                raise  # answered by the envelope handlers in app.py
            except Exception as error:
                mapped = client_error(error)
                if mapped is not None:
                    raise mapped from error
                return JSONBody(internal_error(error, request.url.path), status_code=500)

        return guarded
