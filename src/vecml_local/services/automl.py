"""AutoML: `train_automl_model`, `automl_predict`, `get_feature_importance`,
`get_model_validation_metric`, `list_automl_model_infos`, `delete_automl_model`;
training jobs are rendered for `get_automl_training_status` by
`render_automl_status`.

Models are rows of `models` (family "automl"); their files (LightGBM text,
coefficients as npz, metadata JSON — no pickle) live in `models/<id>/`. Trained
models are cached in memory (LRU) so repeated small predictions are fast.
Training reads a snapshot of the collection when the job starts; the job waits
for earlier jobs on the collection and on `validation_dataset`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from ..errors import BadRequest, NotFound
from ..jobs import JobContext
from ..ml.automl import (
    FeatureTable,
    TrainedModel,
    align_table,
    compute_metrics,
    load_model,
    save_model,
    train_model,
)
from ..ml.automl.labels import is_missing_label
from ..schemas.automl import (
    AutomlModelRequest,
    AutomlPredictRequest,
    AutomlPredictResponse,
    DeleteAutomlModelResponse,
    GetFeatureImportanceResponse,
    GetModelValidationMetricResponse,
    ListAutomlModelInfosRequest,
    ListAutomlModelInfosResponse,
    TrainAutomlModelRequest,
    TrainAutomlModelResponse,
)
from ..storage import Collection, Model
from ..storage.repository import find_collection, get_project
from ..timefmt import format_minute_comma
from .automl_data import (
    AUTOML_KIND,
    FAMILY,
    parsed_table,
    positional_fallback,
    snapshot_table,
)
from .context import ServiceContext, Tenant
from .files import read_inline_file
from .models import Trained, TrainingInput, TrainingLifecycle, outlook
from .predict_columns import check_prediction_columns
from .readcache import cached_read

__all__ = ["AutomlService", "AUTOML_KIND"]

CACHE_SIZE = 16


class AutomlService:
    def __init__(self, context: ServiceContext) -> None:
        self.context = context
        # keyed by (model row id, training job id): SQLite may reuse a deleted row's id
        self._cache: OrderedDict[tuple[int, str], TrainedModel] = OrderedDict()
        self._lock = threading.Lock()
        self.models = TrainingLifecycle(
            context,
            family=FAMILY,
            kind=AUTOML_KIND,
            status_endpoint="get_automl_training_status",
            forget=self._forget,
        )
        context.runner.register(AUTOML_KIND, self.run_training_job)

    # -- training ------------------------------------------------------------
    def train_automl_model(self, tenant: Tenant, request: TrainAutomlModelRequest) -> TrainAutomlModelResponse:
        label, validation_name = request.label_attribute, request.validation_dataset
        # `auto` trains as `balanced` but is listed as asked
        mode = "balanced" if request.training_mode in (None, "auto") else request.training_mode
        shown_mode = "auto" if request.training_mode == "auto" else mode

        def check(session: Session, collection: Collection) -> Collection | None:
            if label not in outlook(session, collection).attribute_names:
                raise BadRequest(f"label_attribute {label!r} is not an attribute of collection {collection.name!r}")
            if validation_name is None:
                return None
            project = get_project(session, tenant.id, request.project_name)
            validation = find_collection(session, project, validation_name)
            if validation is None:
                raise NotFound(
                    f"validation_dataset {validation_name!r} does not exist in project {request.project_name!r}"
                )
            if int(validation.vector_dim) != int(collection.vector_dim):
                raise BadRequest(
                    f"validation_dataset {validation_name!r} has vector dimension "
                    f"{validation.vector_dim}, the training data {collection.vector_dim}"
                )
            if label not in outlook(session, validation).attribute_names:
                raise BadRequest(
                    f"label_attribute {label!r} is not an attribute of validation_dataset {validation_name!r}"
                )
            return validation

        params = {
            "task_type": request.task_type,
            "training_mode": shown_mode,
            "mode": mode,
            "label_attribute": label,
            "data_augmentation": request.data_augmentation,
            "validation_dataset": validation_name or "",
            "categorical_features": request.categoricals()[0],
            "random_seed": request.random_seed,
            "num_threads": request.num_threads,
            "time_budget_seconds": request.time_budget_seconds,
        }
        job_id = self.models.submit(
            tenant,
            request.project_name,
            request.collection_name,
            request.model_name,
            job_label="TrainJob",
            model_type=mode,
            params=params,
            payload=params,
            check=check,
        )
        return TrainAutomlModelResponse(job_id=job_id)

    def run_training_job(self, job: JobContext) -> dict[str, Any]:
        return self.models.run(job, self._train)

    def _train(self, job: JobContext, data: TrainingInput) -> Trained:
        p = job.payload
        snapshot, where = data.snapshot, f"collection {data.collection_name!r}"
        label = p["label_attribute"]
        wanted = p["categorical_features"] if p["categorical_features"] is not None else data.declared_categorical
        wanted = [c for c in wanted if c != label]
        if label not in snapshot.attributes:
            raise BadRequest(f"label_attribute {label!r} is not an attribute of {where}")
        table, warnings = snapshot_table(snapshot, wanted, where)
        labels = snapshot.attributes[label]
        if all(is_missing_label(v) for v in labels):
            raise BadRequest(f"label_attribute {label!r} has no values in {where}")
        validation_pair = None
        if data.validation is not None:
            if label not in data.validation.attributes:
                raise BadRequest(
                    f"label_attribute {label!r} is not an attribute of validation_dataset {p['validation_dataset']!r}"
                )
            vtable, _ = snapshot_table(data.validation, list(table.categorical), "validation_dataset")
            vtable = positional_fallback(vtable, table.numeric_names)
            validation_pair = (vtable, data.validation.attributes[label])
        model = train_model(
            table,
            labels,
            task_type=p["task_type"],
            training_mode=p["mode"],
            data_augmentation=p["data_augmentation"],
            validation=validation_pair,
            num_threads=p.get("num_threads") or None,
            random_seed=int(p.get("random_seed") or 0),
            time_budget_seconds=p.get("time_budget_seconds"),
            progress=job.report,
            should_stop=job.cancelled,
        )
        return self.trained(job, model, data.directory, warnings)

    def trained(self, job: JobContext, model: TrainedModel, directory: Path, warnings: list[str]) -> Trained:
        """Save a trained model and say what its row and its job store (also for partitioned training)."""
        save_model(model, directory)
        self._remember((job.payload["model_id"], job.job_id), model)  # keyed by job id: never another model's
        importance = [{"feature": f, "importance": v} for f, v in model.feature_importance()]
        info = {
            "validation_metric": model.validation_metric,
            "feature_importance": importance,
            "num_rows": model.info.get("num_rows"),
            "validation": model.info.get("validation"),
            "members": model.info.get("members"),
            "warnings": warnings,
        }
        result: dict[str, Any] = {"validation_metric": model.validation_metric}
        if model.info.get("partitions"):  # trained by lightgbm.dask (services/partitioned.py)
            info["partitions"] = result["partitions"] = model.info["partitions"]
        if warnings:
            result["warnings"] = warnings
        return Trained(info, result)

    # -- reading models ------------------------------------------------------
    def _ready_model(self, tenant: Tenant, request: AutomlModelRequest) -> Model:
        return self.models.ready_model(tenant, request.project_name, request.collection_name, request.model_name)

    def _trained(self, model: Model) -> TrainedModel:
        key = (model.id, model.job_id)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
        loaded = load_model(self.context.files.model_dir(model.id))
        self._remember(key, loaded)
        return loaded

    def _remember(self, key: tuple[int, str], model: TrainedModel) -> None:
        with self._lock:
            self._cache[key] = model
            self._cache.move_to_end(key)
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)

    def _forget(self, model_id: int) -> None:
        with self._lock:
            for key in [k for k in self._cache if k[0] == model_id]:
                del self._cache[key]

    def get_feature_importance(self, tenant: Tenant, request: AutomlModelRequest) -> GetFeatureImportanceResponse:
        model = self._ready_model(tenant, request)
        return GetFeatureImportanceResponse(feature_importance=list((model.info or {}).get("feature_importance", [])))

    def get_model_validation_metric(
        self, tenant: Tenant, request: AutomlModelRequest
    ) -> GetModelValidationMetricResponse:
        model = self._ready_model(tenant, request)
        return GetModelValidationMetricResponse(validation_metric=(model.info or {}).get("validation_metric", {}))

    @cached_read
    def list_automl_model_infos(
        self, tenant: Tenant, request: ListAutomlModelInfosRequest
    ) -> ListAutomlModelInfosResponse:
        infos = [
            {
                "model_name": m.name,
                "task_type": m.params.get("task_type", ""),
                "training_mode": m.params.get("training_mode", m.model_type),
                "label_attribute": m.params.get("label_attribute", ""),
                "data_augmentation": "false" if m.params.get("data_augmentation", "off") == "off" else "true",
                "validation_dataset": m.params.get("validation_dataset", ""),
                "create_time": format_minute_comma(m.created_at),
                "status": self.models.status_word(m),
            }
            for m in self.models.list_models(tenant, request.project_name, request.collection_name)
        ]
        return ListAutomlModelInfosResponse(model_infos=infos)

    def delete_automl_model(self, tenant: Tenant, request: AutomlModelRequest) -> DeleteAutomlModelResponse:
        self.models.delete(tenant, request.project_name, request.collection_name, request.model_name)
        return DeleteAutomlModelResponse()

    # -- prediction ----------------------------------------------------------
    def automl_predict(self, tenant: Tenant, body: AutomlPredictRequest) -> AutomlPredictResponse:
        row = self._ready_model(tenant, body)
        model = self._trained(row)
        label = row.params.get("label_attribute", "")
        dataset = body.prediction_dataset
        payload, _ = body.payload_and_field()
        if dataset is not None:
            table, truth = self._dataset_rows(tenant, body.project_name, dataset, model, label)
        elif payload is not None:
            table, truth = self._file_rows(body, model, label)
        else:
            raise BadRequest("prediction data is required: prediction_dataset, or an inline file in file_data (or X)")
        what = f"prediction_dataset {dataset!r}" if dataset is not None else "the prediction file"
        columns = check_prediction_columns(table, model.numeric_names, model.categorical_names, label, what)
        table = align_table(columns.table, model.numeric_names, model.categorical_names)
        predictions, proba = model.predict_with_proba(table)
        out = AutomlPredictResponse(predictions=predictions)
        if columns.warnings:  # extension fields: what was not read (never a silent guess)
            out.warnings = columns.warnings
            out.missing_features, out.extra_columns = columns.missing, columns.extra
        if truth is not None:
            metric = _prediction_metric(model, truth, predictions, proba)
            if metric is not None:
                out.num_samples, out.prediction_metric = metric
        if body.return_probabilities and proba is not None:
            out.classes = model.classes
            out.probabilities = np.round(proba, 6).tolist()
        return out

    def _dataset_rows(
        self, tenant: Tenant, project_name: str, dataset: str, model: TrainedModel, label: str
    ) -> tuple[FeatureTable, np.ndarray | None]:
        with self.context.db.session() as session:
            project = get_project(session, tenant.id, project_name)
            target = find_collection(session, project, dataset)
            if target is None:
                raise NotFound(f"prediction_dataset {dataset!r} does not exist in project {project_name!r}")
            snapshot = self.context.snapshots.read(session, target)
        if snapshot.num_rows == 0:
            raise BadRequest(f"prediction_dataset {dataset!r} has no vectors")
        table, _ = snapshot_table(
            snapshot, [c for c in model.categorical_names if c in snapshot.attributes], "prediction_dataset"
        )
        return table, snapshot.attributes.get(label)

    def _file_rows(
        self, body: AutomlPredictRequest, model: TrainedModel, label: str
    ) -> tuple[FeatureTable, np.ndarray | None]:
        inline = read_inline_file(
            self.context,
            body.model_copy(update={"file_format": body.file_format or "csv"}),
            categorical_features=model.categorical_names,
            vector_attributes=[label] if label else [],
        )
        table, attributes = parsed_table(inline.table, len(model.numeric_names))
        if label in table.numeric_names:  # a numeric label column read as a feature column
            j = table.numeric_names.index(label)
            values = table.numeric[:, j]
            attributes[label] = np.array([None if np.isnan(v) else repr(float(v)) for v in values], dtype=object)
        return table, attributes.get(label)


def _prediction_metric(model: TrainedModel, truth: Any, predictions: list[Any], proba: Any) -> tuple[int, Any] | None:
    """(num_samples, metric) over the rows with a true label; None when no row has one."""
    keep = [i for i, v in enumerate(truth) if not is_missing_label(v)]
    if model.task_type == "regression":
        parsed = []
        for i in keep:
            try:
                value = float(str(truth[i]).strip())
            except ValueError:
                continue
            if np.isfinite(value):
                parsed.append((i, value))
        if not parsed:
            return None
        rows = [i for i, _ in parsed]
        metric = compute_metrics("regression", [v for _, v in parsed], [predictions[i] for i in rows])
        return len(rows), metric
    if not keep:
        return None
    metric = compute_metrics(
        "classification",
        [truth[i] for i in keep],
        [predictions[i] for i in keep],
        proba[keep] if proba is not None else None,
        model.classes,
    )
    return len(keep), metric
