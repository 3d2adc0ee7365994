"""Answers already in memory, without the framework: status polls of finished jobs, and the
read-only info/list calls while the database has not changed (services/readcache.py).

Clients poll these in tight loops; FastAPI's routing, dependency solving and request objects
cost more than the rest of such a request. This ASGI layer handles exactly the routes below,
doing what their handlers do (`parse_call` then `respond`: key, schema, service call) only
when every step is the plain case: a small JSON body, a key checked recently, a valid
request, no rate limit, an answer the service can `peek` from memory. Anything else (a new
key, a bad body, a cache miss) passes through untouched to the real route, which answers it
as always. The routes stay the contract: this table only names the same request models and
service methods they use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from pydantic import BaseModel
from starlette.types import Message, Receive

from ..middleware import KEY_FINGERPRINT
from ..schemas.automl import ListAutomlModelInfosRequest
from ..schemas.clustering import ListClusteringModelInfosRequest
from ..schemas.collections import GetCollectionInfoRequest, ListCollectionsRequest
from ..schemas.common import JobRequest
from ..schemas.projects import ListProjectsRequest
from ..services import Services
from .deps import JSONBody

__all__ = ["MemoryAnswers", "ROUTES"]

_MAX_BODY = 16 * 1024  # larger bodies are no poll: the normal path reads them

# path -> (request model, the service method its route calls)
ROUTES: dict[str, tuple[type[BaseModel], Callable[[Services], Callable[..., Any]]]] = {
    "/api/get_upload_data_status": (JobRequest, lambda s: s.jobs.get_upload_data_status),
    "/api/get_automl_training_status": (JobRequest, lambda s: s.jobs.get_automl_training_status),
    "/api/get_clustering_training_status": (JobRequest, lambda s: s.jobs.get_clustering_training_status),
    "/api/get_collection_info": (GetCollectionInfoRequest, lambda s: s.collections.get_collection_info),
    "/api/list_projects": (ListProjectsRequest, lambda s: s.projects.list_projects),
    "/api/list_collections": (ListCollectionsRequest, lambda s: s.collections.list_collections),
    "/api/list_automl_model_infos": (ListAutomlModelInfosRequest, lambda s: s.automl.list_automl_model_infos),
    "/api/list_clustering_model_infos": (
        ListClusteringModelInfosRequest,
        lambda s: s.clustering.list_clustering_model_infos,
    ),
}


class _Matched:
    """Stands for the matched route in `scope["route"]` (the request log and metrics read it)."""

    def __init__(self, path: str) -> None:
        self.path = path


class MemoryAnswers:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.matched = {path: _Matched(path) for path in ROUTES}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        route = ROUTES.get(scope.get("path", "")) if scope["type"] == "http" else None
        if route is None or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        body, more = b"", True
        messages = []
        while more:  # a poll is one small message; stop reading at the limit and pass on
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > _MAX_BODY:
                break
        answer = None if more else self._answer(scope, route, body)
        if answer is None:
            await self.app(scope, _replay(messages, receive), send)
            return
        scope["route"] = self.matched[scope["path"]]
        await JSONBody(answer)(scope, receive, send)

    def _answer(self, scope: dict[str, Any], route: tuple[type[BaseModel], Any], body: bytes) -> Any:
        app = scope.get("app")
        services: Services | None = getattr(getattr(app, "state", None), "services", None)
        if services is None or services.rate_limiter.per_second > 0:
            return None
        try:
            raw = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(raw, dict):
            return None
        key = raw.get("user_api_key") or _bearer(scope)
        tenant = services.keys.remembered(key)
        if tenant is None:
            return None
        model, method_of = route
        try:
            request = model.model_validate(raw)
        except ValueError:  # pydantic's ValidationError: the route's own 400 names the field
            return None
        method = method_of(services)
        peek = getattr(method, "peek", None)
        answer = peek(getattr(method, "__self__", None), tenant, request) if peek is not None else None
        if answer is not None:
            scope.setdefault("state", {})[KEY_FINGERPRINT] = tenant.fingerprint
        return answer


def _bearer(scope: dict[str, Any]) -> str | None:
    for name, value in scope.get("headers") or ():
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" and token.strip() else None
    return None


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """`receive` for the app behind: the messages already read, then the rest of the stream."""
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed
