"""The web console: server-rendered pages over the same services as the JSON API.

Jinja2 templates (autoescaped), htmx (vendored in `static/`) for live parts, Plotly.js
from the installed `plotly` package for charts. No build step, nothing fetched from
elsewhere; `/` opens it. Sign-in with an API key kept in a signed HttpOnly cookie.
"""

from __future__ import annotations

from fastapi import APIRouter

from . import analysis, forms, models, pages

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
router.include_router(pages.router)
router.include_router(forms.router)
router.include_router(models.router)
router.include_router(analysis.router)
