"""Templates (autoescaped), the security headers of every console answer, and static files.

Scripts come only from this server: htmx vendored in `static/`, Plotly.js read from the
installed `plotly` package, `console.js` for the glue. Chart figures travel as JSON in a
`data-figure` attribute (escaped by `tojson`), never as inline script.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response

from .session import ConsoleSession, store_session

__all__ = ["HTMX_VERSION", "page", "fragment", "static_file", "SECURITY_HEADERS"]

HTMX_VERSION = "2.0.11"
STATIC = {
    "htmx.min.js": f"htmx-{HTMX_VERSION}.min.js",
    "console.js": "console.js",
    "console.css": "console.css",
}

# Plotly draws with inline `style` attributes and injects a stylesheet: styles need
# 'unsafe-inline'; scripts never do (no inline script, no eval).
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
        "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def _segment(value: Any) -> str:
    return quote(str(value), safe="")


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("vecml_local.ui", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["seg"] = _segment
    env.globals["htmx_version"] = HTMX_VERSION
    return env


def _render(template: str, context: dict[str, Any]) -> str:
    return _environment().get_template(template).render(**context)


def page(
    request: Request,
    session: ConsoleSession,
    template: str,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A full page: the layout with the signed-in state and this session's CSRF token."""
    html = _render(template, {"csrf": session.csrf, "signed_in": session.tenant is not None, **context})
    response = HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)
    if session.fresh:
        store_session(request, response, session)
    return response


def fragment(session: ConsoleSession, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A piece of a page for htmx to swap in."""
    html = _render(template, {"csrf": session.csrf, "signed_in": session.tenant is not None, **context})
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)


@cache
def _plotly_path() -> Path | None:
    try:
        import plotly  # the Python package ships the browser bundle it uses for offline HTML
    except ImportError:
        return None
    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    return path if path.is_file() else None


def static_file(name: str) -> Response:
    headers = {"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"}
    if name == "plotly.min.js":
        path = _plotly_path()
        if path is None:
            return Response("plotly is not installed", status_code=404, media_type="text/plain")
        return FileResponse(path, media_type="text/javascript", headers=headers)
    filename = STATIC.get(name)
    if filename is None:
        return Response("not found", status_code=404, media_type="text/plain")
    path = Path(str(resources.files("vecml_local.ui") / "static" / filename))
    media = "text/css" if name.endswith(".css") else "text/javascript"
    return FileResponse(path, media_type=media, headers=headers)
