"""Clustering model pieces shared by the service: the training job's status rendering,
the model's artifacts (npz of numeric arrays, no pickle), and the k-means options and
outputs that the in-process and the partitioned (Dask) paths share."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import BadRequest
from ..storage import Job
from ..timefmt import format_duration, format_time, now

__all__ = [
    "CLUSTERING_KIND",
    "status_params",
    "list_params",
    "render_clustering_status",
    "save_artifacts",
    "load_artifacts",
    "JOB_LABELS",
    "kmeans_options",
    "kmeans_outputs",
]

CLUSTERING_KIND = "clustering"
JOB_LABELS = {"kmeans": "KMeansTrainJob", "dbscan": "DBSCANTrainJob", "hdbscan": "HDBSCANTrainJob"}
_ARTIFACT = "model.npz"


def status_params(algorithm: str, params: dict[str, Any]) -> dict[str, str]:
    """`get_clustering_training_status` shows every parameter as a string (tolerance %.6f)."""
    out = {}
    for key, value in params.items():
        if value is None:
            out[key] = "auto"
        elif isinstance(value, float):
            out[key] = f"{value:.6f}"
        else:
            out[key] = str(value)
    return out


_LIST_KEYS = {
    "kmeans": (
        "n_clusters",
        "n_init",
        "kmeans_method",
        "initialization_method",
        "max_iterations",
        "max_train_samples",
        "tolerance",
    ),
    "dbscan": ("eps", "min_samples"),
    "hdbscan": ("min_cluster_size", "min_samples", "cluster_selection_method"),
}


def list_params(algorithm: str, params: dict[str, Any]) -> dict[str, Any]:
    """`list_clustering_model_infos` shows the algorithm's parameters as numbers."""
    return {key: params.get(key) for key in _LIST_KEYS[algorithm]}


def render_clustering_status(job: Job, status: str) -> dict[str, Any]:
    payload = job.payload or {}
    algorithm = payload.get("algorithm", "kmeans")
    params = payload.get("params", {})
    body: dict[str, Any] = {
        "success": True,
        "job_id": job.job_id,
        "model_name": job.model_name,
        "model_type": algorithm,
    }
    if algorithm == "kmeans":
        body["kmeans_method"] = params.get("kmeans_method", "kmeans")
    body["status"] = status
    body["error_code"] = "Unknown" if status == "failed" else "Success"
    if status == "failed":
        body["error_message"] = job.error_message or "Training failed"
    body["params"] = status_params(algorithm, params)
    started = job.started_at or job.created_at
    ended = job.finished_at if status in ("finished", "failed") else None
    body["start_time"] = format_time(started)
    body["end_time"] = format_time(ended or now())
    body["duration"] = format_duration(job.started_at, ended) if job.started_at else "00:00:00"
    return body


def save_artifacts(directory: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write numeric arrays to <dir>/model.npz atomically (temp file, fsync, rename)."""
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / (_ARTIFACT + ".tmp")
    with open(tmp, "wb") as fh:
        np.savez(fh, **arrays)  # type: ignore[arg-type]  # numpy's stub reads **arrays as allow_pickle
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(directory / _ARTIFACT)


def load_artifacts(directory: Path) -> dict[str, np.ndarray]:
    path = directory / _ARTIFACT
    if not path.exists():
        raise BadRequest("The model's files are missing; train it again")
    with np.load(path, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


_KMEANS_OPTIONS = (
    "n_clusters",
    "dist_type",
    "n_init",
    "max_train_samples",
    "max_iterations",
    "tolerance",
    "num_threads",
    "random_seed",
    "initialization_method",
)


def kmeans_options(params: dict[str, Any]) -> dict[str, Any]:
    """A stored k-means job's options, as both k-means paths (in-process and partitioned) take them."""
    return {name: params[name] for name in _KMEANS_OPTIONS}


def kmeans_outputs(r: Any) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """A k-means result's arrays to store and its JSON-able summary (also for partitioned k-means)."""
    return (
        {"labels": r.labels.astype(np.int32), "centroids": r.centroids.astype(np.float32)},
        {
            "n_clusters": int(r.centroids.shape[0]),
            "inertia": float(r.inertia),
            "n_iter": int(r.n_iter),
            "n_train": int(r.n_train),
        },
    )
