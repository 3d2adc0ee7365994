"""Who is signed in to the console, and the CSRF token of their forms.

One signed cookie (`HttpOnly`, `SameSite=Strict`) holds a random CSRF token and, once
signed in, the API key. The key is checked on every request by the same `KeyRegistry`
the JSON API uses, so a revoked key stops working in the console at once. The key never
appears in a URL, a page or a log line.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.requests import Request
from starlette.responses import Response

from ..errors import Unauthorized
from ..services import Services, Tenant

__all__ = ["COOKIE", "ConsoleSession", "read_session", "store_session", "clear_session", "check_csrf"]

COOKIE = "vecml_console"


@dataclass
class ConsoleSession:
    csrf: str
    key: str | None = None
    tenant: Tenant | None = None
    fresh: bool = False  # no valid cookie came with the request: set one on the response


def _serializer(request: Request) -> URLSafeSerializer:
    state = request.app.state
    secret = getattr(state, "console_secret", None)
    if secret is None:  # per process: a restart signs everyone out, nothing secret is stored on disk
        secret = state.console_secret = secrets.token_urlsafe(32)
    return URLSafeSerializer(secret, salt="vecml-local console")


def read_session(request: Request, services: Services) -> ConsoleSession:
    raw = request.cookies.get(COOKIE)
    if raw:
        try:
            data = _serializer(request).loads(raw)
        except BadSignature:
            data = None
        if isinstance(data, dict) and isinstance(data.get("csrf"), str):
            session = ConsoleSession(csrf=data["csrf"], key=data.get("key") or None)
            if session.key is not None:
                try:
                    session.tenant = services.keys.authenticate(session.key)
                except Unauthorized:  # revoked since sign-in
                    session.key = None
                    session.fresh = True
            return session
    return ConsoleSession(csrf=secrets.token_urlsafe(24), fresh=True)


def store_session(request: Request, response: Response, session: ConsoleSession) -> None:
    value = _serializer(request).dumps({"csrf": session.csrf, "key": session.key})
    response.set_cookie(COOKIE, value, httponly=True, samesite="strict", path="/")


def clear_session(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")


def check_csrf(session: ConsoleSession, submitted: object) -> bool:
    return isinstance(submitted, str) and hmac.compare_digest(submitted, session.csrf)
