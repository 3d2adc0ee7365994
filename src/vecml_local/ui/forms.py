"""Forms that change state: upload a file, attach labels, train a model, delete after a confirmation.

Each form posts the fields of its API endpoint (same names, the request model's documented
defaults filled in); files arrive as multipart uploads and are handed to the service as the
Base64 text the JSON API would carry. On error the form comes back with the API's message
next to the field it names.
"""

from __future__ import annotations

import base64
from typing import Any

from fastapi import APIRouter
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from .base import Console, csrf_refused, open_console, path, place_error, signin_redirect
from .calls import defaults
from .render import page

router = APIRouter(include_in_schema=False)

UPLOAD_FIELDS = [
    "collection_name",
    "file_format",
    "has_field_names",
    "vector_type",
    "categorical_features",
    "vector_attributes",
    "vector_data_field_name",
    "binary_dtype",
    "binary_dim",
    "compression_type",
]
TRAINERS = {
    "automl": ("train_automl_model", "automl", "model_name"),
    "kmeans": ("train_kmeans", "clustering", "cluster_model_name"),
    "dbscan": ("train_dbscan", "clustering", "cluster_model_name"),
    "hdbscan": ("train_hdbscan", "clustering", "cluster_model_name"),
}
TRAIN_FIELDS = {
    "automl": ["model_name", "task_type", "label_attribute", "training_mode", "train_categorical_features",
               "validation_dataset", "data_augmentation", "random_seed"],
    "kmeans": ["cluster_model_name", "n_clusters", "kmeans_method", "n_init", "max_train_samples", "max_iterations",
               "tolerance", "initialization_method", "dist_type", "num_threads", "random_seed"],
    "dbscan": ["cluster_model_name", "eps", "min_samples", "dist_type", "num_threads", "random_seed"],
    "hdbscan": ["cluster_model_name", "min_cluster_size", "min_samples", "cluster_selection_method", "dist_type",
                "num_threads", "random_seed"],
}  # fmt: skip
FORM_DEFAULTS = {"automl": {"training_mode": "balanced", "task_type": "classification", "data_augmentation": "off"}}
DELETES = {
    "project": ("delete_project", ("project",)),
    "collection": ("delete_collection", ("project", "collection")),
    "automl": ("delete_automl_model", ("project", "collection", "model")),
    "clustering": ("delete_clustering_model", ("project", "collection", "model")),
    "analysis": ("delete_vector_analysis", ("project", "collection", "analysis")),
}


async def file_base64(value: Any) -> str | None:
    """A multipart file as the Base64 text the JSON API carries (None when no file was chosen)."""
    if not isinstance(value, UploadFile):
        return None
    data = await value.read()
    return base64.b64encode(data).decode("ascii") if data else None


def _text_fields(form: Any, names: list[str]) -> dict[str, str]:
    return {name: str(form.get(name, "")).strip() for name in names}


def _given(values: dict[str, str]) -> dict[str, Any]:
    """Empty inputs are left out, so the request model's defaults apply."""
    return {name: value for name, value in values.items() if value != ""}


async def _guard(request: Request) -> tuple[Console, Any, Response | None]:
    console = open_console(request)
    if console.session.tenant is None:
        return console, None, signin_redirect()
    if request.method != "POST":
        return console, None, None
    form = await request.form()
    if csrf_refused(console, form):
        return (
            console,
            form,
            page(request, console.session, "error.html", 403, message="The form expired; reload the page"),
        )
    return console, form, None


# -- upload ----------------------------------------------------------------------
@router.api_route("/ui/projects/{project}/upload", methods=["GET", "POST"])
async def upload(request: Request, project: str) -> Response:
    console, form, refused = await _guard(request)
    if refused:
        return refused
    values = {name: "" for name in UPLOAD_FIELDS}
    values.update(file_format="csv", has_field_names="true", vector_type="dense")
    errors: dict[str, str] = {}
    if form is not None:
        values = _text_fields(form, UPLOAD_FIELDS)
        fields: dict[str, Any] = {"project_name": project, **_given(values), "X": await file_base64(form.get("file"))}
        answer, error = await console.try_call("upload_automl_X", **fields)
        if answer is not None:
            return RedirectResponse("/ui/jobs", status_code=303)
        errors = place_error(error or "", ["X", *UPLOAD_FIELDS])
        if "X" in errors:
            errors["file"] = errors.pop("X")
    status = 400 if errors else 200
    return page(request, console.session, "upload.html", status, project=project, values=values, errors=errors)


# -- labels ----------------------------------------------------------------------
@router.api_route("/ui/projects/{project}/collections/{collection}/labels", methods=["GET", "POST"])
async def labels(request: Request, project: str, collection: str) -> Response:
    console, form, refused = await _guard(request)
    if refused:
        return refused
    values = {"label_name": "", "has_field_names": "false"}
    errors: dict[str, str] = {}
    if form is not None:
        values = _text_fields(form, ["label_name", "has_field_names"])
        fields = {"project_name": project, "collection_name": collection, **_given(values)}
        answer, error = await console.try_call("attach_automl_label", Y=await file_base64(form.get("file")), **fields)
        if answer is not None:
            return RedirectResponse("/ui/jobs", status_code=303)
        errors = place_error(error or "", ["Y", "label_name", "has_field_names"])
        if "Y" in errors:
            errors["file"] = errors.pop("Y")
    return page(
        request, console.session, "labels.html", 400 if errors else 200,
        project=project, collection=collection, values=values, errors=errors,
    )  # fmt: skip


# -- training ----------------------------------------------------------------------
@router.api_route("/ui/projects/{project}/collections/{collection}/train/{algorithm}", methods=["GET", "POST"])
async def train(request: Request, project: str, collection: str, algorithm: str) -> Response:
    if algorithm not in TRAINERS:
        return page(
            request, open_console(request).session, "error.html", 404, message=f"Unknown algorithm {algorithm!r}"
        )
    console, form, refused = await _guard(request)
    if refused:
        return refused
    endpoint, family, name_field = TRAINERS[algorithm]
    names = TRAIN_FIELDS[algorithm]
    values = {name: "" for name in names}
    values.update({k: str(v) for k, v in defaults(endpoint).items() if k in names})
    values.update(FORM_DEFAULTS.get(algorithm, {}))
    errors: dict[str, str] = {}
    if form is not None:
        values = _text_fields(form, names)
        fields = {"project_name": project, "collection_name": collection, **_given(values)}
        answer, error = await console.try_call(endpoint, **fields)
        if answer is not None:
            return RedirectResponse("/ui/jobs", status_code=303)
        errors = place_error(error or "", names)
    info, _ = await console.try_call("get_collection_info", project_name=project, collection_name=collection)
    return page(
        request, console.session, "train.html", 400 if errors else 200,
        project=project, collection=collection, algorithm=algorithm, names=names, values=values, errors=errors,
        attributes=(info or {}).get("attributes", []), name_field=name_field,
    )  # fmt: skip


# -- deleting ----------------------------------------------------------------------
def _delete_target(what: str, params: Any) -> tuple[str, dict[str, str], str] | None:
    """(endpoint, its fields, where to go afterwards) for a delete form or link."""
    if what not in DELETES:
        return None
    endpoint, keys = DELETES[what]
    given = {key: str(params.get(key, "")) for key in keys}
    fields = {"project_name": given["project"]}
    if "collection" in given:
        fields["collection_name"] = given["collection"]
    if "model" in given:
        fields["model_name"] = given["model"]
    if "analysis" in given:
        fields["analysis_name"] = given["analysis"]
    after = "/" if what == "project" else path("projects", given["project"])
    if what in ("automl", "clustering", "analysis"):
        after = path("projects", given["project"], "collections", given["collection"])
    return endpoint, fields, after


@router.api_route("/ui/delete/{what}", methods=["GET", "POST"])
async def delete(request: Request, what: str) -> Response:
    console, form, refused = await _guard(request)
    if refused:
        return refused
    source = form if form is not None else request.query_params
    target = _delete_target(what, source)
    if target is None:
        return page(request, console.session, "error.html", 404, message=f"Nothing to delete: {what!r}")
    endpoint, fields, after = target
    error = None
    if form is not None:
        answer, error = await console.try_call(endpoint, **fields)
        if answer is not None:
            return RedirectResponse(after, status_code=303)
    return page(
        request, console.session, "confirm_delete.html", 400 if error else 200,
        what=what, fields=fields, error=error, cancel=after,
        hidden={key: str(source.get(key, "")) for key in DELETES[what][1]},
    )  # fmt: skip
