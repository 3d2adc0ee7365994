"""HTTP routes: one module per API family. Handlers parse, call a service, return."""

from __future__ import annotations

from . import analysis, automl, clustering, collections, data, files, jobs, local, metrics, projects, search, system

__all__ = ["API_PREFIX", "API_ROUTERS", "LOCAL_PREFIX", "LOCAL_ROUTERS", "ROOT_ROUTERS"]

API_PREFIX = "/api"
LOCAL_PREFIX = "/_local"
API_ROUTERS = [
    projects.router,
    collections.router,
    data.router,
    files.router,
    jobs.router,
    automl.router,
    clustering.router,
    search.router,
    analysis.router,
]
LOCAL_ROUTERS = [local.router]
ROOT_ROUTERS = [system.router, metrics.router]
