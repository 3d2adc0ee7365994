"""What every console handler starts with: the services, the session, the signed-in tenant."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..errors import VecmlError
from ..services import Services, Tenant
from ..services.input_errors import INPUT_ERRORS
from .calls import call
from .session import ConsoleSession, check_csrf, read_session

__all__ = ["Console", "open_console", "signin_redirect", "path", "place_error", "csrf_refused"]


@dataclass
class Console:
    request: Request
    services: Services
    session: ConsoleSession

    @property
    def tenant(self) -> Tenant:
        assert self.session.tenant is not None
        return self.session.tenant

    async def call(self, endpoint: str, **fields: Any) -> dict[str, Any]:
        """One API operation for the signed-in tenant, off the event loop."""
        return await run_in_threadpool(call, self.services, self.tenant, endpoint, fields)

    async def try_call(self, endpoint: str, **fields: Any) -> tuple[dict[str, Any] | None, str | None]:
        try:
            return await self.call(endpoint, **fields), None
        except VecmlError as error:
            return None, error.message
        except INPUT_ERRORS as error:  # what ingest/ and ml/ say about the input (app.py answers it 400)
            return None, str(error)


def open_console(request: Request) -> Console:
    services: Services = request.app.state.services
    return Console(request, services, read_session(request, services))


def signin_redirect() -> Response:
    return RedirectResponse("/ui/signin", status_code=303)


def path(*parts: Any) -> str:
    """A console URL from name segments (names are escaped, never trusted as paths)."""
    return "/ui/" + "/".join(quote(str(p), safe="") for p in parts)


def place_error(message: str, fields: list[str]) -> dict[str, str]:
    """Put the API's message next to the first form field it names (else at the form's top)."""
    best: tuple[int, str] | None = None
    for name in fields:
        found = re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", message)
        if found and (best is None or found.start() < best[0]):
            best = (found.start(), name)
    return {best[1] if best else "_form": message}


def csrf_refused(console: Console, form: Any) -> bool:
    return not check_csrf(console.session, form.get("csrf_token"))
