"""Who may use the emulator controls under `/_local` (reset, job timing, info).

- `open` mode: only clients on a loopback address (127.0.0.0/8, ::1) unless
  `VECML_LOCAL_ALLOW_REMOTE_CONTROLS=true`; a server bound to another interface
  without that setting logs a warning at start, and with it a louder one.
- `keys` mode: only requests carrying the admin token (`VECML_LOCAL_ADMIN_TOKEN`) in
  the `X-Admin-Token` header, from any address; with no admin token configured the
  controls are off. The token is compared in constant time and never logged.

A client without an IP address (a Unix socket, an in-process ASGI transport) is local.
Refusals are 403 with the VecML error envelope.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from typing import Any

import orjson

from ..config import Settings
from ..errors import error_body

__all__ = ["LocalControlsGuard", "ADMIN_HEADER", "is_loopback", "warn_if_exposed"]

log = logging.getLogger("vecml_local")

ADMIN_HEADER = "x-admin-token"
_PREFIX = "/_local"


def is_loopback(host: str | None) -> bool:
    """True for loopback addresses and for clients that have no IP address at all."""
    if not host:
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return True  # not an IP: a Unix socket peer or an in-process test transport


def warn_if_exposed(settings: Settings) -> None:
    """Log what a non-loopback bind means for the controls (called when the app is built)."""
    if settings.auth != "open" or _binds_loopback(settings.host):
        return
    if settings.allow_remote_controls:
        log.warning(
            "open mode on %s with VECML_LOCAL_ALLOW_REMOTE_CONTROLS=true: anyone who can reach this port can "
            "reset every tenant through /_local",
            settings.host,
        )
    else:
        log.warning(
            "open mode on %s: any key is accepted from any client; /_local controls answer only loopback "
            "clients (use VECML_LOCAL_AUTH=keys for a shared server)",
            settings.host,
        )


def _binds_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # "0.0.0.0" is an address; a host name may resolve to anything


class LocalControlsGuard:
    """ASGI middleware refusing `/_local/*` to clients the rules above do not admit."""

    def __init__(self, app: Any, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and (scope["path"] == _PREFIX or scope["path"].startswith(_PREFIX + "/")):
            refusal = self._refusal(scope)
            if refusal is not None:
                await _send_403(send, refusal)
                return
        await self.app(scope, receive, send)

    def _refusal(self, scope: dict[str, Any]) -> str | None:
        settings = self.settings
        if settings.auth == "keys":
            expected = settings.admin_token or ""
            given = dict(scope.get("headers") or []).get(ADMIN_HEADER.encode(), b"")
            if not expected:
                return "The /_local controls are off in keys mode unless VECML_LOCAL_ADMIN_TOKEN is set"
            if not hmac.compare_digest(given, expected.encode()):
                return f"The /_local controls need the admin token in the {ADMIN_HEADER} header"
            return None
        client = scope.get("client")
        host = client[0] if client else None
        if settings.allow_remote_controls or is_loopback(host):
            return None
        return (
            "The /_local controls answer only loopback clients in open mode "
            "(VECML_LOCAL_ALLOW_REMOTE_CONTROLS=true allows others)"
        )


async def _send_403(send: Any, message: str) -> None:
    body = orjson.dumps(error_body(message))
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 403, "headers": headers})
    await send({"type": "http.response.body", "body": body})
