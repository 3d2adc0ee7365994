"""Read-only pages: sign-in, projects, a project, a collection, jobs; static files."""

from __future__ import annotations

import secrets
from urllib.parse import quote

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..errors import VecmlError
from ..services.job_listing import JOB_KINDS, JOB_STATUSES
from ..services.overview import project_counts
from ..services.vector_preview import VectorPreview
from . import charts
from .base import Console, csrf_refused, open_console, place_error, signin_redirect
from .render import fragment, page, static_file
from .session import clear_session, store_session

router = APIRouter(include_in_schema=False)

JOBS_PER_PAGE = 50
TERMINAL = ("finished", "failed")


def _preview(console: Console) -> VectorPreview:
    state = console.request.app.state
    preview = getattr(state, "console_preview", None)
    if preview is None:
        preview = state.console_preview = VectorPreview(console.services.context)
    return preview


def not_found(console: Console, message: str) -> Response:
    return page(console.request, console.session, "error.html", status_code=404, message=message)


@router.get("/ui/static/{name}")
async def static(name: str) -> Response:
    return static_file(name)


@router.get("/ui/signin")
async def signin_form(request: Request) -> Response:
    console = open_console(request)
    return page(request, console.session, "signin.html", errors={}, mode=console.services.keys.mode)


@router.post("/ui/signin")
async def signin(request: Request) -> Response:
    console = open_console(request)
    form = await request.form()
    if csrf_refused(console, form):
        return page(
            request, console.session, "signin.html", 403, errors={"_form": "The form expired; try again"}, mode=""
        )
    key = form.get("api_key")
    try:
        tenant = await run_in_threadpool(console.services.keys.authenticate, key)
    except VecmlError:
        # One message for a missing, unknown or revoked key: no hint which it was.
        message = "Sign-in failed: that API key is not accepted by this server"
        if not isinstance(key, str) or not key.strip():
            message = "Enter an API key"
        return page(request, console.session, "signin.html", 401, errors={"api_key": message}, mode="")
    console.session.key, console.session.tenant = str(key), tenant
    console.session.csrf = secrets.token_urlsafe(24)  # a new token for the new identity
    response = RedirectResponse("/", status_code=303)
    store_session(request, response, console.session)
    return response


@router.post("/ui/signout")
async def signout(request: Request) -> Response:
    console = open_console(request)
    form = await request.form()
    if csrf_refused(console, form):
        return page(request, console.session, "error.html", 403, message="The form expired; reload the page")
    response = RedirectResponse("/ui/signin", status_code=303)
    clear_session(response)
    return response


async def projects_page(
    console: Console, errors: dict[str, str] | None = None, values: dict[str, str] | None = None
) -> Response:
    answer = await console.call("list_projects")
    counts = await run_in_threadpool(project_counts, console.services.context, console.tenant)
    projects = [{**p, **counts.get(p["project_name"], {"collections": 0, "models": 0})} for p in answer["projects"]]
    status = 400 if errors else 200
    return page(
        console.request,
        console.session,
        "projects.html",
        status,
        projects=projects,
        errors=errors or {},
        values=values or {},
    )


@router.get("/")
async def home(request: Request) -> Response:
    console = open_console(request)
    if console.session.tenant is None:
        return signin_redirect()
    return await projects_page(console)


@router.get("/ui")
async def ui_home() -> Response:
    return RedirectResponse("/", status_code=303)


@router.post("/ui/projects")
async def create_project(request: Request) -> Response:
    console = open_console(request)
    if console.session.tenant is None:
        return signin_redirect()
    form = await request.form()
    if csrf_refused(console, form):
        return page(request, console.session, "error.html", 403, message="The form expired; reload the page")
    values = {"project_name": str(form.get("project_name", "")), "application": str(form.get("application", ""))}
    _, error = await console.try_call("create_project", **values)
    if error:
        return await projects_page(console, place_error(error, list(values)), values)
    return RedirectResponse(f"/ui/projects/{values['project_name']}", status_code=303)


@router.get("/ui/projects/{project}")
async def project_page(request: Request, project: str) -> Response:
    console = open_console(request)
    if console.session.tenant is None:
        return signin_redirect()
    answer, error = await console.try_call("list_collections", project_name=project)
    if error or answer is None:
        return not_found(console, error or "")
    return page(request, console.session, "project.html", project=project, collections=answer["collections"])


@router.get("/ui/projects/{project}/collections/{collection}")
async def collection_page(request: Request, project: str, collection: str, page_number: int = 0) -> Response:
    console = open_console(request)
    if console.session.tenant is None:
        return signin_redirect()
    info, error = await console.try_call("get_collection_info", project_name=project, collection_name=collection)
    if error or info is None:
        return not_found(console, error or "")
    names = {"project_name": project, "collection_name": collection}
    preview = await run_in_threadpool(_preview(console).page, console.tenant, project, collection, page_number)
    automl = (await console.call("list_automl_model_infos", **names))["model_infos"]
    clustering = (await console.call("list_clustering_model_infos", **names))["model_infos"]
    jobs = (await console.call("list_jobs", **names, limit=20))["jobs"]
    analyses = (await console.call("list_vector_analyses", **names))["analyses"]
    last_page = max(0, (preview["total"] - 1) // preview["page_rows"])
    return page(
        request,
        console.session,
        "collection.html",
        project=project,
        collection=collection,
        info=info,
        preview=preview,
        last_page=last_page,
        automl=automl,
        clustering=clustering,
        analyses=analyses,
        analysis_models=[m["model_name"] for m in automl if m.get("status") == "finished"],
        jobs=jobs,
        terminal=TERMINAL,
    )


@router.get("/ui/projects/{project}/collections/{collection}/kdist")
async def kdist_panel(
    request: Request, project: str, collection: str, k: str = "5", dist_type: str = "Euclidean"
) -> Response:
    console = open_console(request)
    if console.session.tenant is None:
        return fragment(console.session, "message.html", 401, message="Signed out")
    answer, error = await console.try_call(
        "get_dbscan_kdist_plot", project_name=project, collection_name=collection, k=k, dist_type=dist_type
    )
    figure = charts.kdist_figure(answer) if answer else None
    kdist_url = f"/ui/projects/{quote(project, safe='')}/collections/{quote(collection, safe='')}/kdist"
    return fragment(
        console.session,
        "kdist.html",
        answer=answer,
        error=error,
        figure=figure,
        k=k,
        dist_type=dist_type,
        kdist_url=kdist_url,
    )


@router.get("/ui/jobs")
async def jobs_page(request: Request, page_number: int = 0, status: str = "", kind: str = "") -> Response:
    console = open_console(request)
    if console.session.tenant is None:
        return signin_redirect()
    filters = {"status": status or None, "kind": kind or None}
    answer, error = await console.try_call(
        "list_jobs", offset=max(0, page_number) * JOBS_PER_PAGE, limit=JOBS_PER_PAGE, **filters
    )
    return page(
        request,
        console.session,
        "jobs.html",
        400 if error else 200,
        jobs=(answer or {}).get("jobs", []),
        total=(answer or {}).get("total", 0),
        next_page=page_number + 1 if answer and answer["next_offset"] is not None else None,
        page_number=page_number,
        error=error,
        status=status,
        kind=kind,
        statuses=JOB_STATUSES,
        kinds=JOB_KINDS,
        terminal=TERMINAL,
    )


@router.get("/ui/jobs/row")
async def job_row(request: Request, job_id: str = "") -> Response:
    """One row of the Jobs table; htmx polls it while the job runs (a terminal row stops polling)."""
    console = open_console(request)
    if console.session.tenant is None:
        return fragment(console.session, "message.html", 401, message="Signed out")
    job, error = await console.try_call("job_entry", job_id=job_id)
    if job is None:
        return fragment(console.session, "message.html", 404, message=error or "")
    return fragment(console.session, "job_row.html", job=job, terminal=TERMINAL)
