"""Vector-analysis pages: start an analysis from the collection page, read one (the 2-D
projection coloured by cluster, the clusters worst first), list a cluster's sample vectors.

Everything goes through the API's own endpoints (`compute_vector_analysis`,
`list_vector_analyses`, `get_vector_analysis`, `get_data`): no rule is repeated here.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from . import charts
from .base import Console, csrf_refused, open_console, path, place_error, signin_redirect
from .render import fragment, page

router = APIRouter(include_in_schema=False)

COLLECTION = "/ui/projects/{project}/collections/{collection}"
ANALYSIS_FIELDS = [
    "analysis_name",
    "model_name",
    "label_attribute",
    "prediction_attribute",
    "split_attribute",
    "task_type",
    "reduction",
]
TERMINAL = ("finished", "failed")


async def form_context(console: Console, project: str, collection: str) -> dict[str, Any]:
    """What the start form offers: the collection's finished AutoML models and its attributes."""
    names = {"project_name": project, "collection_name": collection}
    info, _ = await console.try_call("get_collection_info", **names)
    models, _ = await console.try_call("list_automl_model_infos", **names)
    finished = [m["model_name"] for m in (models or {}).get("model_infos", []) if m.get("status") == "finished"]
    return {"attributes": (info or {}).get("attributes", []), "automl_models": finished}


async def _info(console: Console, project: str, collection: str, name: str) -> dict[str, Any] | None:
    answer, _ = await console.try_call("list_vector_analyses", project_name=project, collection_name=collection)
    return next((a for a in (answer or {}).get("analyses", []) if a["analysis_name"] == name), None)


@router.post(COLLECTION + "/analyses")
async def start_analysis(request: Request, project: str, collection: str) -> Response:
    console = open_console(request)
    if console.session.tenant is None:
        return signin_redirect()
    form = await request.form()
    if csrf_refused(console, form):
        return page(request, console.session, "error.html", 403, message="The form expired; reload the page")
    values = {name: str(form.get(name, "")).strip() for name in ANALYSIS_FIELDS}
    given = {name: value for name, value in values.items() if value != ""}  # empty: the endpoint's default
    answer, error = await console.try_call(
        "compute_vector_analysis", project_name=project, collection_name=collection, **given
    )
    if answer is not None:
        return RedirectResponse(
            path("projects", project, "collections", collection, "analysis", values["analysis_name"]), 303
        )
    return page(
        request, console.session, "analysis_start.html", 400,
        project=project, collection=collection, values=values, errors=place_error(error or "", ANALYSIS_FIELDS),
        **await form_context(console, project, collection),
    )  # fmt: skip


@router.get(COLLECTION + "/analysis/{name}")
async def analysis_page(request: Request, project: str, collection: str, name: str) -> Response:
    console = open_console(request)
    if console.session.tenant is None:
        return signin_redirect()
    info = await _info(console, project, collection, name)
    if info is None:
        message = f"Analysis {name!r} does not exist in collection {collection!r}"
        return page(request, console.session, "error.html", 404, message=message)
    answer, error, figure = None, None, None
    if info["status"] in TERMINAL:
        answer, error = await console.try_call(
            "get_vector_analysis", project_name=project, collection_name=collection, analysis_name=name,
            include_projection=True,
        )  # fmt: skip
    if answer is not None and answer.get("projection"):
        figure = charts.analysis_figure(answer["projection"], answer["preprocessing"].get("method", ""))
    clusters = (answer or {}).get("clusters", [])
    metric_names = list(clusters[0]["metrics"]) if clusters else []
    return page(
        request, console.session, "analysis.html",
        project=project, collection=collection, name=name, info=info, answer=answer, error=error, figure=figure,
        clusters=clusters, metric_names=metric_names, terminal=TERMINAL,
        base=path("projects", project, "collections", collection, "analysis", name),
    )  # fmt: skip


@router.get(COLLECTION + "/analysis/{name}/status")
async def analysis_status(request: Request, project: str, collection: str, name: str) -> Response:
    """Polled by htmx while the analysis runs; once it ends, htmx reloads the page to draw it."""
    console = open_console(request)
    if console.session.tenant is None:
        return fragment(console.session, "message.html", 401, message="Signed out")
    info = await _info(console, project, collection, name)
    if info is None:
        return fragment(console.session, "message.html", 404, message=f"Analysis {name!r} does not exist")
    base = path("projects", project, "collections", collection, "analysis", name)
    response = fragment(console.session, "analysis_status.html", info=info, base=base, terminal=TERMINAL)
    if info["status"] in TERMINAL:
        response.headers["HX-Refresh"] = "true"
    return response


@router.get(COLLECTION + "/analysis/{name}/clusters/{cluster_id}")
async def cluster_samples(request: Request, project: str, collection: str, name: str, cluster_id: int) -> Response:
    """A cluster's sample vectors with their attributes, read with `get_data`."""
    console = open_console(request)
    if console.session.tenant is None:
        return fragment(console.session, "message.html", 401, message="Signed out")
    names = {"project_name": project, "collection_name": collection}
    answer, error = await console.try_call("get_vector_analysis", **names, analysis_name=name)
    cluster = next((c for c in (answer or {}).get("clusters", []) if c["id"] == cluster_id), None)
    if cluster is None:
        return fragment(console.session, "message.html", 404, message=error or f"No cluster {cluster_id}")
    rows: list[dict[str, Any]] = []
    if cluster["sample_ids"]:
        data, error = await console.try_call("get_data", **names, string_ids=cluster["sample_ids"])
        if data is not None:
            rows = [{"string_id": s, "attributes": a} for s, a in zip(data["string_ids"], data["attributes"])]
    if not rows:  # e.g. a sample vector was deleted since: still list the ids the analysis gave
        rows = [{"string_id": s, "attributes": {}} for s in cluster["sample_ids"]]
    attribute_names = list(dict.fromkeys(k for row in rows for k in row["attributes"]))
    return fragment(
        console.session, "analysis_samples.html",
        cluster=cluster, rows=rows, attribute_names=attribute_names, error=error,
    )  # fmt: skip
