"""Model pages: AutoML (metrics, importance, evaluation chart, predict form) and clustering
(parameters, cluster sizes, metrics with a ground-truth picker, t-SNE on demand)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ..services.overview import attribute_values
from . import charts
from .base import Console, csrf_refused, open_console, path, place_error, signin_redirect
from .calls import defaults
from .forms import file_base64
from .render import fragment, page

router = APIRouter(include_in_schema=False)

MODEL = "/ui/projects/{project}/collections/{collection}"
TSNE_FIELDS = ["max_samples", "perplexity", "theta", "max_iter", "learning_rate"]
TSNE_CACHE_SIZE = 16


class TsneCache:
    """t-SNE answers per (tenant, model, its creation time, parameters): a layout is computed once."""

    def __init__(self) -> None:
        self._answers: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> dict[str, Any] | None:
        with self._lock:
            return self._answers.get(key)

    def put(self, key: tuple[Any, ...], answer: dict[str, Any]) -> None:
        with self._lock:
            self._answers[key] = answer
            while len(self._answers) > TSNE_CACHE_SIZE:
                self._answers.popitem(last=False)


def _tsne_cache(console: Console) -> TsneCache:
    state = console.request.app.state
    cache = getattr(state, "console_tsne", None)
    if cache is None:
        cache = state.console_tsne = TsneCache()
    return cache


async def _info(console: Console, endpoint: str, project: str, collection: str, model: str) -> dict[str, Any] | None:
    answer, _ = await console.try_call(endpoint, project_name=project, collection_name=collection)
    infos: list[dict[str, Any]] = (answer or {}).get("model_infos", [])
    return next((info for info in infos if info["model_name"] == model), None)


def _missing(console: Console, model: str, collection: str) -> Response:
    message = f"Model {model!r} does not exist in collection {collection!r}"
    return page(console.request, console.session, "error.html", 404, message=message)


# -- AutoML ------------------------------------------------------------------------
@router.get(MODEL + "/automl/{model}")
async def automl_page(request: Request, project: str, collection: str, model: str) -> Response:
    console = open_console(request)
    if console.session.tenant is None:
        return signin_redirect()
    info = await _info(console, "list_automl_model_infos", project, collection, model)
    if info is None:
        return _missing(console, model, collection)
    names = {"project_name": project, "collection_name": collection, "model_name": model}
    metric, importance, error = None, [], None
    if info.get("status") == "finished":
        metric = (await console.call("get_model_validation_metric", **names))["validation_metric"]
        importance = (await console.call("get_feature_importance", **names))["feature_importance"]
    elif info.get("status") == "failed":
        _, error = await console.try_call("get_model_validation_metric", **names)
    return page(
        request, console.session, "automl.html",
        project=project, collection=collection, model=model, info=info, metric=metric, error=error,
        importance=importance, importance_figure=charts.importance_figure(importance) if importance else None,
        base=path("projects", project, "collections", collection, "automl", model), errors={},
    )  # fmt: skip


def _confusion(truth: list[Any], predictions: list[Any]) -> tuple[list[str], list[list[int]]]:
    pairs = [(str(t), str(p)) for t, p in zip(truth, predictions) if t not in (None, "")]
    names = sorted(
        {n for pair in pairs for n in pair}, key=lambda v: (not _is_number(v), float(v) if _is_number(v) else 0, v)
    )
    index = {name: i for i, name in enumerate(names)}
    matrix = [[0] * len(names) for _ in names]
    for t, p in pairs:
        matrix[index[t]][index[p]] += 1
    return names, matrix


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


@router.get(MODEL + "/automl/{model}/evaluation")
async def automl_evaluation(request: Request, project: str, collection: str, model: str) -> Response:
    """Predictions on the validation dataset (or, without one, the training rows) against their labels."""
    console = open_console(request)
    if console.session.tenant is None:
        return fragment(console.session, "message.html", 401, message="Signed out")
    info = await _info(console, "list_automl_model_infos", project, collection, model)
    if info is None or info.get("status") != "finished":
        return fragment(console.session, "message.html", 404, message="The model has not finished training")
    dataset = info.get("validation_dataset") or collection
    in_sample = dataset == collection
    answer, error = await console.try_call(
        "automl_predict", project_name=project, collection_name=collection, model_name=model, prediction_dataset=dataset
    )
    truth = await run_in_threadpool(
        attribute_values, console.services.context, console.tenant, project, dataset, info["label_attribute"]
    )
    if answer is None or truth is None:
        return fragment(console.session, "message.html", 400, message=error or "The dataset has no labels")
    predictions = answer["predictions"]
    if info["task_type"] == "classification":
        classes, matrix = _confusion(truth, predictions)
        kind, figure = "confusion", charts.confusion_figure(classes, matrix)
    else:
        pairs = [(float(t), float(p)) for t, p in zip(truth, predictions) if t not in (None, "") and _is_number(str(t))]
        kind, figure = "pred-vs-actual", charts.pred_vs_actual_figure([a for a, _ in pairs], [p for _, p in pairs])
    return fragment(console.session, "evaluation.html", kind=kind, figure=figure, dataset=dataset, in_sample=in_sample)


@router.post(MODEL + "/automl/{model}/predict")
async def automl_predict(request: Request, project: str, collection: str, model: str) -> Response:
    console = open_console(request)
    if console.session.tenant is None:
        return fragment(console.session, "message.html", 401, message="Signed out")
    form = await request.form()
    if csrf_refused(console, form):
        return fragment(console.session, "message.html", 403, message="The form expired; reload the page")
    values = {name: str(form.get(name, "")).strip() for name in ("file_format", "has_field_names")}
    answer, error = await console.try_call(
        "automl_predict",
        project_name=project,
        collection_name=collection,
        model_name=model,
        file_data=await file_base64(form.get("file")),
        **{k: v for k, v in values.items() if v},
    )
    errors = place_error(error, ["file_data", "file_format", "has_field_names"]) if error else {}
    if "file_data" in errors:
        errors["file"] = errors.pop("file_data")
    return fragment(console.session, "predictions.html", answer=answer, errors=errors)


# -- clustering ----------------------------------------------------------------------
@router.get(MODEL + "/clustering/{model}")
async def clustering_page(request: Request, project: str, collection: str, model: str) -> Response:
    console = open_console(request)
    if console.session.tenant is None:
        return signin_redirect()
    info = await _info(console, "list_clustering_model_infos", project, collection, model)
    if info is None:
        return _missing(console, model, collection)
    names = {"project_name": project, "collection_name": collection, "model_name": model}
    sizes: list[tuple[int, int]] = []
    noise, figure, error = 0, None, None
    if info.get("status") == "finished":
        labels = (await console.call("get_clustering_labels", **names))["labels"]
        sizes, noise = charts.cluster_sizes(labels)
        figure = charts.cluster_sizes_figure(sizes, noise)
    elif info.get("status") == "failed":
        _, error = await console.try_call("get_clustering_labels", **names)
    collection_info = await console.call("get_collection_info", project_name=project, collection_name=collection)
    return page(
        request, console.session, "clustering.html",
        project=project, collection=collection, model=model, info=info, sizes=sizes, noise=noise,
        sizes_figure=figure, error=error, attributes=collection_info["attributes"],
        tsne_defaults={k: v for k, v in defaults("compute_tsne_embeddings").items() if k in TSNE_FIELDS},
        base=path("projects", project, "collections", collection, "clustering", model),
    )  # fmt: skip


@router.get(MODEL + "/clustering/{model}/metrics")
async def clustering_metrics(
    request: Request, project: str, collection: str, model: str, ground_truth_attribute: str = ""
) -> Response:
    console = open_console(request)
    if console.session.tenant is None:
        return fragment(console.session, "message.html", 401, message="Signed out")
    fields = {"project_name": project, "collection_name": collection, "model_name": model}
    if ground_truth_attribute:
        fields["ground_truth_attribute"] = ground_truth_attribute
    answer, error = await console.try_call("compute_clustering_metrics", **fields)
    return fragment(console.session, "cluster_metrics.html", metrics=(answer or {}).get("metrics"), error=error)


@router.get(MODEL + "/clustering/{model}/tsne")
async def clustering_tsne(request: Request, project: str, collection: str, model: str) -> Response:
    """t-SNE through `compute_tsne_embeddings`, cached per model (and its training run) and parameters."""
    console = open_console(request)
    if console.session.tenant is None:
        return fragment(console.session, "message.html", 401, message="Signed out")
    info = await _info(console, "list_clustering_model_infos", project, collection, model)
    if info is None:
        return fragment(console.session, "message.html", 404, message=f"Model {model!r} does not exist")
    params = {k: request.query_params[k].strip() for k in TSNE_FIELDS if request.query_params.get(k, "").strip()}
    key = (console.tenant.id, project, collection, model, info.get("create_time"), tuple(sorted(params.items())))
    cache = _tsne_cache(console)
    answer, error = cache.get(key), None
    if answer is None:
        fields = {"project_name": project, "collection_name": collection, "model_name": model, **params}
        answer, error = await console.try_call("compute_tsne_embeddings", **fields)
        if answer is not None:
            cache.put(key, answer)
    figure = charts.tsne_figure(answer["embeddings"]) if answer else None
    return fragment(console.session, "tsne.html", answer=answer, figure=figure, error=error)
