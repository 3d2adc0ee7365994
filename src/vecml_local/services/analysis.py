"""Vector analysis (extension): `compute_vector_analysis` (a job, polled with
`get_clustering_training_status`), `get_vector_analysis`, `list_vector_analyses`,
`delete_vector_analysis`.

An analysis goes through the models' training lifecycle (family "analysis": its name is
reserved like a model's, it is listed and deleted like one); its answer is JSON in the
model's directory. Predictions come from the AutoML model through `automl_predict` on
the collection itself (the code path a client uses), or from an attribute on the vectors.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sqlalchemy.orm import Session

from ..errors import BadRequest, NotFound
from ..jobs import JobContext
from ..ml.analysis import AnalysisParams, analyse_vectors, umap_available
from ..ml.automl.labels import is_missing_label
from ..names import check_name
from ..schemas.analysis import (
    ComputeVectorAnalysisRequest,
    ComputeVectorAnalysisResponse,
    DeleteVectorAnalysisResponse,
    GetVectorAnalysisResponse,
    ListVectorAnalysesRequest,
    ListVectorAnalysesResponse,
    VectorAnalysisRequest,
)
from ..schemas.automl import AutomlPredictRequest, AutomlPredictResponse
from ..storage import Collection, Job
from ..storage.repository import check_model_ready, get_model
from ..timefmt import format_duration, format_minute, format_time, now
from .context import ServiceContext, Tenant
from .models import Trained, TrainingInput, TrainingLifecycle

__all__ = ["AnalysisService", "ANALYSIS_KIND", "render_analysis_status"]

ANALYSIS_KIND = "vector_analysis"
_RESULT = "analysis.json"
_MAX_DENSE = 400_000_000
_REQUEST_ONLY = {"user_api_key", "project_name", "collection_name", "analysis_name"}

Predict = Callable[[Tenant, AutomlPredictRequest], AutomlPredictResponse]


class AnalysisService:
    def __init__(self, context: ServiceContext, predict: Predict) -> None:
        self.context = context
        self._predict = predict  # AutomlService.automl_predict
        self.lifecycle = TrainingLifecycle(
            context, family="analysis", kind=ANALYSIS_KIND, status_endpoint="get_clustering_training_status"
        )
        context.runner.register(ANALYSIS_KIND, self.run_analysis_job)

    def compute_vector_analysis(
        self, tenant: Tenant, body: ComputeVectorAnalysisRequest
    ) -> ComputeVectorAnalysisResponse:
        name = check_name(body.analysis_name, "analysis_name")
        if (body.model_name is None) == (body.prediction_attribute is None):
            raise BadRequest("give either model_name (an AutoML model) or prediction_attribute (exactly one)")
        reduction = body.reduction or ("umap" if umap_available() else "pca")
        if reduction == "umap" and not umap_available():
            raise BadRequest("reduction 'umap' needs the optional umap-learn package; use 'pca'")
        params = {**body.model_dump(exclude=_REQUEST_ONLY), "reduction": reduction}

        def check(session: Session, collection: Collection) -> None:
            known = set(collection.attribute_names or [])
            for field in ("label_attribute", "prediction_attribute", "split_attribute"):
                value = getattr(body, field)
                if value is not None and value not in known:
                    raise BadRequest(f"{field} {value!r} is not an attribute of collection {collection.name!r}")
            params["task_type"] = body.task_type or "classification"
            if body.model_name is not None:
                model = get_model(session, collection, "automl", check_name(body.model_name, "model_name"))
                check_model_ready(session, model, "get_automl_training_status")
                task_type = str(model.params.get("task_type", "classification"))
                if body.task_type is not None and body.task_type != task_type:
                    raise BadRequest(f"task_type {body.task_type!r} does not match model {model.name!r} ({task_type})")
                params["task_type"] = task_type

        job_id = self.lifecycle.submit(
            tenant,
            body.project_name,
            body.collection_name,
            name,
            job_label="VectorAnalysisJob",
            model_type="vector_analysis",
            params=params,
            payload={"params": params, "tenant": tenant.id, "project_name": body.project_name},
            check=check,
        )
        return ComputeVectorAnalysisResponse(job_id=job_id)

    def run_analysis_job(self, job: JobContext) -> dict[str, Any]:
        return self.lifecycle.run(job, self._analyse)

    def _analyse(self, job: JobContext, given: TrainingInput) -> Trained:
        params, snapshot = job.payload["params"], given.snapshot
        if snapshot.num_rows == 0:
            raise BadRequest(f"Collection {given.collection_name!r} has no vectors to analyse")
        truth = snapshot.attributes.get(params["label_attribute"])
        if truth is None:
            raise BadRequest(f"label_attribute {params['label_attribute']!r} has no values")
        predictions = self._predictions(job.payload, given)
        rows = np.flatnonzero([not is_missing_label(t) and not is_missing_label(p) for t, p in zip(truth, predictions)])
        if rows.size == 0:
            raise BadRequest("no vector has both a true value and a prediction")
        truth_kept: list[Any] = [truth[i] for i in rows]
        pred_kept: list[Any] = [predictions[i] for i in rows]
        if params["task_type"] == "regression":
            truth_kept, pred_kept = _numbers(truth_kept, "label_attribute"), _numbers(pred_kept, "predictions")
        vectors = snapshot.vectors
        if sp.issparse(vectors) and vectors.shape[0] * vectors.shape[1] > _MAX_DENSE:
            raise BadRequest("the sparse collection is too large to analyse densely")
        X = np.asarray(vectors)[rows] if isinstance(vectors, np.ndarray) else vectors[rows].toarray()
        split = snapshot.attributes.get(params["split_attribute"]) if params.get("split_attribute") else None
        answer = analyse_vectors(
            X,
            [snapshot.ids[i] for i in rows],
            truth_kept,
            pred_kept,
            task_type=params["task_type"],
            params=AnalysisParams(**{f: params[f] for f in AnalysisParams.__dataclass_fields__}),
            split=None if split is None else [split[i] for i in rows],
            progress=getattr(job, "report", None),
        )
        _write_json(given.directory / _RESULT, answer)
        summary = {
            "n_clusters": answer["clustering"]["n_clusters"],
            "noise_ratio": answer["clustering"]["metrics"]["noise_ratio"],
        }
        return Trained(info=summary, result=summary)

    def _predictions(self, payload: dict[str, Any], given: TrainingInput) -> list[Any]:
        params, snapshot = payload["params"], given.snapshot
        if params.get("prediction_attribute"):
            return list(snapshot.attributes[params["prediction_attribute"]])
        request = AutomlPredictRequest(
            project_name=payload["project_name"],
            collection_name=given.collection_name,
            model_name=params["model_name"],
            prediction_dataset=given.collection_name,
        )
        predictions = list(self._predict(Tenant(payload["tenant"]), request).predictions)
        if len(predictions) != snapshot.num_rows:
            raise BadRequest("the collection changed while the model predicted; run the analysis again")
        return predictions

    # -- reading -------------------------------------------------------------------
    def get_vector_analysis(self, tenant: Tenant, body: VectorAnalysisRequest) -> GetVectorAnalysisResponse:
        name = check_name(body.analysis_name, "analysis_name")
        row = self.lifecycle.ready_model(tenant, body.project_name, body.collection_name, name)
        path = self.context.files.model_dir(row.id) / _RESULT
        if not path.exists():
            raise NotFound(f"Analysis {name!r} has no result; compute it again")
        answer = json.loads(path.read_bytes())
        projection = answer.pop("projection", None)
        if body.include_projection:
            answer["projection"] = projection
        return GetVectorAnalysisResponse(analysis_name=name, **answer)

    def list_vector_analyses(self, tenant: Tenant, body: ListVectorAnalysesRequest) -> ListVectorAnalysesResponse:
        rows = self.lifecycle.list_models(tenant, body.project_name, body.collection_name)
        infos = [
            {
                "analysis_name": m.name,
                "model_name": m.params.get("model_name"),
                "label_attribute": m.params.get("label_attribute"),
                "prediction_attribute": m.params.get("prediction_attribute"),
                "reduction": m.params.get("reduction"),
                "create_time": format_minute(m.created_at),
                "status": {"ready": "finished", "training": "in_progress"}.get(m.status, m.status),
            }
            for m in rows
        ]
        return ListVectorAnalysesResponse(analyses=infos)

    def delete_vector_analysis(self, tenant: Tenant, body: VectorAnalysisRequest) -> DeleteVectorAnalysisResponse:
        name = check_name(body.analysis_name, "analysis_name")
        self.lifecycle.delete(tenant, body.project_name, body.collection_name, name)
        return DeleteVectorAnalysisResponse()


def render_analysis_status(job: Job, status: str) -> dict[str, Any]:
    """`get_clustering_training_status` for analysis jobs: the clustering status fields."""
    params = (job.payload or {}).get("params", {})
    body: dict[str, Any] = {
        "success": True,
        "job_id": job.job_id,
        "model_name": job.model_name,
        "model_type": "vector_analysis",
        "status": status,
        "error_code": "Unknown" if status == "failed" else "Success",
    }
    if status == "failed":
        body["error_message"] = job.error_message or "Analysis failed"
    body["params"] = {k: "auto" if v is None else str(v) for k, v in params.items()}
    ended = job.finished_at if status in ("finished", "failed") else None
    body["start_time"] = format_time(job.started_at or job.created_at)
    body["end_time"] = format_time(ended or now())
    body["duration"] = format_duration(job.started_at, ended) if job.started_at else "00:00:00"
    return body


def _numbers(values: list[Any], what: str) -> list[Any]:
    out = []
    for value in values:
        try:
            out.append(float(str(value).strip()))
        except ValueError:
            raise BadRequest(f"{what}: {value!r} is not a number (task_type regression)") from None
    return out


def _write_json(path: Path, answer: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as handle:
        handle.write(json.dumps(answer).encode())
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)
