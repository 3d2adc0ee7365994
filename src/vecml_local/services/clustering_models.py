"""Clustering model pieces shared by the service: parameter checks, the training job,
its status rendering, and model artifacts (npz of numeric arrays, no pickle)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..errors import BadRequest
from ..ml.distances import canonical_dist_type
from ..storage import Job
from ..timefmt import format_duration, format_time, now

__all__ = [
    "CLUSTERING_KIND",
    "as_int",
    "as_float",
    "kmeans_params",
    "dbscan_params",
    "hdbscan_params",
    "status_params",
    "list_params",
    "render_clustering_status",
    "save_artifacts",
    "load_artifacts",
    "JOB_LABELS",
]

CLUSTERING_KIND = "clustering"
JOB_LABELS = {"kmeans": "KMeansTrainJob", "dbscan": "DBSCANTrainJob", "hdbscan": "HDBSCANTrainJob"}
_ARTIFACT = "model.npz"


def as_int(name: str, value: Any, lo: int | None = None, hi: int | None = None) -> int:
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise BadRequest(f"{name} must be an integer") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not float(value).is_integer():
        raise BadRequest(f"{name} must be an integer")
    value = int(value)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        bounds = f">= {lo}" if hi is None else f"between {lo} and {hi}"
        raise BadRequest(f"{name} must be {bounds} (got {value})")
    return value


def as_float(name: str, value: Any, lo: float | None = None, hi: float | None = None) -> float:
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise BadRequest(f"{name} must be a number") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(float(value)):
        raise BadRequest(f"{name} must be a finite number")
    value = float(value)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise BadRequest(
            f"{name} must be between {lo} and {hi} (got {value})"
            if hi is not None
            else f"{name} must be >= {lo} (got {value})"
        )
    return value


def _init_method(value: Any) -> str:
    text = str(value or "k-means++").strip().lower()
    if text in ("k-means++", "kmeans++", "kmeanspp", "k-means||"):
        return "k-means++"
    if text == "random":
        return "random"
    raise BadRequest(f"initialization_method {value!r} is not supported; use 'k-means++' or 'random'")


def kmeans_params(body: Any) -> dict[str, Any]:
    if body.n_clusters is None:
        raise BadRequest("n_clusters is required")
    method = str(body.kmeans_method or "kmeans").strip().lower()
    if method not in ("kmeans", "kmeans_hamerly"):
        raise BadRequest(f"kmeans_method {body.kmeans_method!r} is not supported; use 'kmeans' or 'kmeans_hamerly'")
    return {
        "kmeans_method": method,
        "n_clusters": as_int("n_clusters", body.n_clusters, 1),
        "n_init": as_int("n_init", body.n_init, 1, 100),
        "dist_type": canonical_dist_type(body.dist_type),
        "initialization_method": _init_method(body.initialization_method),
        "max_iterations": as_int("max_iterations", body.max_iterations, 1, 100000),
        "tolerance": as_float("tolerance", body.tolerance, 0.0),
        "num_threads": as_int("num_threads", body.num_threads, 1, 1024),
        "random_seed": as_int("random_seed", body.random_seed, 0, 2**63 - 1),
        "max_train_samples": as_int("max_train_samples", body.max_train_samples, 1),
    }


def dbscan_params(body: Any) -> dict[str, Any]:
    if body.eps is None:
        raise BadRequest("eps is required")
    if body.min_samples is None:
        raise BadRequest("min_samples is required")
    dist_type = canonical_dist_type(body.dist_type)
    eps = as_float("eps", body.eps)
    if eps < 0 and dist_type != "NegativeInnerProduct":
        raise BadRequest("eps must be >= 0 (only Inner Product distances can be negative)")
    return {
        "eps": eps,
        "min_samples": as_int("min_samples", body.min_samples, 1),
        "dist_type": dist_type,
        "num_threads": as_int("num_threads", body.num_threads, 1, 1024),
        "random_seed": as_int("random_seed", body.random_seed, 0, 2**63 - 1),
    }


def hdbscan_params(body: Any) -> dict[str, Any]:
    dist_type = canonical_dist_type(body.dist_type)
    if dist_type == "NegativeInnerProduct":
        raise BadRequest("dist_type 'Inner Product' is not supported by HDBSCAN; use Cosine or Euclidean")
    method = str(body.cluster_selection_method or "eom").strip().lower()
    if method not in ("eom", "leaf"):
        raise BadRequest("cluster_selection_method must be 'eom' or 'leaf'")
    return {
        "min_cluster_size": as_int("min_cluster_size", body.min_cluster_size, 2),
        "min_samples": None if body.min_samples is None else as_int("min_samples", body.min_samples, 1),
        "cluster_selection_method": method,
        "dist_type": dist_type,
        "num_threads": as_int("num_threads", body.num_threads, 1, 1024),
        "random_seed": as_int("random_seed", body.random_seed, 0, 2**63 - 1),
    }


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
        np.savez(fh, **arrays)
        fh.flush()
        import os

        os.fsync(fh.fileno())
    tmp.replace(directory / _ARTIFACT)


def load_artifacts(directory: Path) -> dict[str, np.ndarray]:
    path = directory / _ARTIFACT
    if not path.exists():
        raise BadRequest("The model's files are missing; train it again")
    with np.load(path, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}
