"""AutoML pieces shared by the service: building feature tables
from a collection snapshot or an inline file, and the training-status renderer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from ..errors import BadRequest
from ..ingest import ParsedTable
from ..ml.automl import FeatureTable
from ..storage import Job
from ..storage.snapshots import CollectionSnapshot
from ..timefmt import format_duration, format_time, now

if TYPE_CHECKING:
    from ..ml.distances import Matrix

__all__ = [
    "AUTOML_KIND",
    "FAMILY",
    "MAX_CELLS",
    "snapshot_table",
    "parsed_table",
    "positional_fallback",
    "render_automl_status",
]

AUTOML_KIND = "automl_training"
FAMILY = "automl"
MAX_CELLS = 400_000_000  # a sparse collection larger than this (rows x dim) is refused


def _dense(vectors: Matrix, what: str) -> np.ndarray:
    if sp.issparse(vectors):
        rows, dim = vectors.shape
        if rows * dim > MAX_CELLS:
            raise BadRequest(f"{what}: {rows} x {dim} sparse vectors are too large to train on densely")
        return np.asarray(vectors.toarray(), dtype=np.float32)
    return np.asarray(vectors, dtype=np.float32)


def snapshot_table(snapshot: CollectionSnapshot, categorical: list[str], what: str) -> tuple[FeatureTable, list[str]]:
    """Vectors named as the collection names them, plus the categorical attributes
    present in the collection; unknown names come back as warnings."""
    warnings = []
    cats: dict[str, np.ndarray] = {}
    for name in categorical:
        column = snapshot.attributes.get(name)
        if column is None:
            warnings.append(f"categorical feature {name!r} is not an attribute of {what}; ignored")
            continue
        cats[name] = np.asarray(column, dtype=object)
    numeric = _dense(snapshot.vectors, what)
    return FeatureTable(numeric, list(snapshot.column_names), cats), warnings


def parsed_table(table: ParsedTable, numeric_names_default: int) -> tuple[FeatureTable, dict[str, np.ndarray]]:
    """A parsed prediction file as a FeatureTable (every attribute column kept as a
    categorical candidate; `align_table` picks what the model uses)."""
    numeric = _dense(table.vectors, "file_data")
    names = list(table.column_names) if table.column_names else [f"column {i + 1}" for i in range(numeric.shape[1])]
    attrs = {}
    for name, values in table.attributes.items():
        column = np.empty(len(values), dtype=object)
        column[:] = values
        attrs[name] = column
    return FeatureTable(numeric, names, dict(attrs)), attrs


def positional_fallback(table: FeatureTable, numeric_names: list[str]) -> FeatureTable:
    """When none of the model's vector column names occur but the width matches
    (e.g. a header-less file, or a dataset named differently), match by position."""
    if (
        numeric_names
        and not set(numeric_names) & set(table.numeric_names)
        and table.numeric.shape[1] == len(numeric_names)
    ):
        return FeatureTable(table.numeric, list(numeric_names), table.categorical)
    return table


def render_automl_status(job: Job, status: str) -> dict[str, Any]:
    """`get_automl_training_status` for training jobs (seed 000 fields)."""
    payload = job.payload or {}
    body: dict[str, Any] = {
        "success": True,
        "job_id": job.job_id,
        "task_type": payload.get("task_type", ""),
        "model_name": job.model_name,
        "label_attribute": payload.get("label_attribute", ""),
        "status": status,
        "start_time": format_time(job.started_at or job.created_at),
        "duration": format_duration(job.started_at, job.finished_at or now()) if job.started_at else "00:00:00",
    }
    result = job.result or {}
    if status == "finished":
        body["validation_metric"] = result.get("validation_metric", {})
    if status == "failed":
        body["error"] = "Training failed"
        body["error_message"] = job.error_message or "Training failed"
    warnings = result.get("warnings") or payload.get("warnings")
    if warnings:
        body["warnings"] = list(warnings)
    return body
