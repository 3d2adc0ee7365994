"""Vector analysis: where does a model fail? Reduce the vectors (UMAP, else PCA), cluster
them with HDBSCAN, and score the model's predictions inside every cluster.

Definitions (per cluster; the noise bucket is cluster -1):
- classification: `accuracy` = mean of per-item correctness (prediction == truth),
  `correctness_std` = its standard deviation, and `precision`/`recall`/`f1` = macro
  averages over the labels present in the cluster (truth or prediction), zero where a
  label has no prediction;
- regression: per-item absolute error `abs_error_mean/std/min/max` and `rmse`.
Clusters are sorted worst first (lowest accuracy, then lowest F1; highest MAE for
regression); the noise bucket comes last because it is not a group.
Items whose truth or prediction is missing are left out before anything is computed.
"""

from __future__ import annotations

import importlib.util
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["AnalysisParams", "analyse_vectors", "umap_available"]

_SAMPLE_IDS = 10
_SILHOUETTE_SAMPLE = 5000


@dataclass(frozen=True)
class AnalysisParams:
    reduction: str = "pca"  # "umap" | "pca"
    target_dimensions: int = 10
    n_neighbors: int = 30
    min_dist: float = 0.05
    max_samples: int = 20000
    min_cluster_size: int = 2
    min_samples: int = 1
    cluster_selection_method: str = "eom"
    random_seed: int = 1234567


def umap_available() -> bool:
    # Found, not imported: importing umap compiles numba code (14 s cold here, over 60 s while the
    # server's own warm-up compiles), and this runs inside the request; the job imports it.
    return importlib.util.find_spec("umap") is not None


def analyse_vectors(
    X: np.ndarray,
    ids: Sequence[str],
    truth: Sequence[Any],
    predictions: Sequence[Any],
    *,
    task_type: str,
    params: AnalysisParams,
    split: Sequence[Any] | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> dict[str, Any]:
    """The analysis answer (without `success`): `clustering`, `preprocessing`, `clusters`."""
    started = time.perf_counter()
    report = progress or (lambda fraction, message: None)
    rows = _sample(len(ids), params.max_samples, params.random_seed)
    Xs = np.asarray(X[rows], dtype=np.float32)
    report(0.1, f"reducing {len(rows)} vectors with {params.reduction}")
    reduced, target = _reduce(Xs, params)
    report(0.5, "clustering with HDBSCAN")
    labels = _hdbscan(reduced, params)
    report(0.8, "scoring the model per cluster")
    clusters = _clusters(
        labels,
        [ids[i] for i in rows],
        [truth[i] for i in rows],
        [predictions[i] for i in rows],
        None if split is None else [split[i] for i in rows],
        task_type,
    )
    n_clusters = len({int(v) for v in labels if v >= 0})
    return {
        "clustering": {
            "method": "hdbscan",
            "n_clusters": n_clusters,
            "metrics": {
                "noise_ratio": round(float(np.mean(labels < 0)), 6),
                "silhouette": _silhouette(reduced, labels, params.random_seed),
            },
            "parameters": {
                "min_cluster_size": params.min_cluster_size,
                "min_samples": params.min_samples,
                "cluster_selection_method": params.cluster_selection_method,
                "metric": "euclidean",
            },
            "processing_time_seconds": round(time.perf_counter() - started, 3),
        },
        "preprocessing": {
            "method": params.reduction,
            "original_dimensions": int(X.shape[1]),
            "target_dimensions": target,
            "n_neighbors": params.n_neighbors if params.reduction == "umap" else None,
            "min_dist": params.min_dist if params.reduction == "umap" else None,
            "num_vectors": len(rows),
        },
        "clusters": clusters,
        "projection": _projection(reduced, labels),
    }


# -- steps ------------------------------------------------------------------------
def _sample(n: int, cap: int, seed: int) -> np.ndarray:
    if n <= cap:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=cap, replace=False))


def _reduce(X: np.ndarray, params: AnalysisParams) -> tuple[np.ndarray, int]:
    n, d = X.shape
    target = int(min(params.target_dimensions, d, max(n - 2, 1)))
    if target >= d:
        return X.astype(np.float64), d
    if params.reduction == "umap":
        import umap

        reducer = umap.UMAP(
            n_components=target,
            n_neighbors=int(min(params.n_neighbors, n - 1)),
            min_dist=params.min_dist,
            random_state=params.random_seed % (2**32),
            n_jobs=1,  # a seeded UMAP is reproducible only on one thread
        )
        return np.asarray(reducer.fit_transform(X), dtype=np.float64), target
    from sklearn.decomposition import PCA

    pca = PCA(n_components=target, random_state=params.random_seed % (2**32))
    return pca.fit_transform(X.astype(np.float64)), target


def _hdbscan(reduced: np.ndarray, params: AnalysisParams) -> np.ndarray:
    import hdbscan

    if reduced.shape[0] < max(params.min_cluster_size, 2):
        return np.full(reduced.shape[0], -1, dtype=np.int64)
    model = hdbscan.HDBSCAN(
        min_cluster_size=params.min_cluster_size,
        min_samples=params.min_samples,
        cluster_selection_method=params.cluster_selection_method,
        metric="euclidean",
        core_dist_n_jobs=1,
    )
    return np.asarray(model.fit_predict(reduced), dtype=np.int64)


def _silhouette(reduced: np.ndarray, labels: np.ndarray, seed: int) -> float | None:
    """Silhouette of the clustered items (noise left out); None with fewer than two clusters."""
    from sklearn.metrics import silhouette_score

    keep = labels >= 0
    found = np.unique(labels[keep])
    if found.size < 2 or found.size >= keep.sum():
        return None
    size = min(_SILHOUETTE_SAMPLE, int(keep.sum()))
    score = silhouette_score(reduced[keep], labels[keep], sample_size=size, random_state=seed % (2**32))
    return round(float(score), 6)


def _projection(reduced: np.ndarray, labels: np.ndarray) -> dict[str, list[float] | list[int]]:
    """The first two reduced coordinates of every analysed item, for a scatter plot."""
    xy = reduced[:, :2] if reduced.shape[1] >= 2 else np.column_stack([reduced[:, 0], np.zeros(len(reduced))])
    return {
        "x": np.round(xy[:, 0], 5).tolist(),
        "y": np.round(xy[:, 1], 5).tolist(),
        "cluster": labels.astype(int).tolist(),
    }


def _clusters(
    labels: np.ndarray,
    ids: list[str],
    truth: list[Any],
    predictions: list[Any],
    split: list[Any] | None,
    task_type: str,
) -> list[dict[str, Any]]:
    out = []
    for cluster in sorted({int(v) for v in labels}):
        members = np.flatnonzero(labels == cluster)
        entry: dict[str, Any] = {
            "id": cluster,
            "num_vectors": int(members.size),
            "split_distribution": _split_counts(split, members),
            "metrics": _metrics(task_type, [truth[i] for i in members], [predictions[i] for i in members]),
            "sample_ids": [ids[i] for i in members[:_SAMPLE_IDS]],
        }
        out.append(entry)
    return sorted(out, key=lambda c: (c["id"] == -1, _badness(task_type, c["metrics"])))


def _split_counts(split: list[Any] | None, members: np.ndarray) -> dict[str, int]:
    if split is None:
        return {}
    counts = Counter("" if split[i] is None else str(split[i]) for i in members)
    return dict(sorted(counts.items()))


def _badness(task_type: str, metrics: dict[str, Any]) -> tuple[float, float]:
    """Sort key: smaller is worse."""
    if task_type == "regression":
        mae = metrics.get("abs_error_mean")
        return (-(mae if mae is not None else -np.inf), 0.0)
    accuracy = metrics.get("accuracy")
    f1 = metrics.get("f1")
    return (accuracy if accuracy is not None else np.inf, f1 if f1 is not None else np.inf)


def _metrics(task_type: str, truth: list[Any], predictions: list[Any]) -> dict[str, Any]:
    if task_type == "regression":
        errors = np.abs(np.asarray(truth, dtype=np.float64) - np.asarray(predictions, dtype=np.float64))
        if errors.size == 0:
            return {
                "abs_error_mean": None,
                "abs_error_std": None,
                "abs_error_min": None,
                "abs_error_max": None,
                "rmse": None,
            }
        return {
            "abs_error_mean": round(float(errors.mean()), 6),
            "abs_error_std": round(float(errors.std()), 6),
            "abs_error_min": round(float(errors.min()), 6),
            "abs_error_max": round(float(errors.max()), 6),
            "rmse": round(float(np.sqrt((errors**2).mean())), 6),
        }
    from sklearn.metrics import precision_recall_fscore_support

    t = [str(v) for v in truth]
    p = [str(v) for v in predictions]
    if not t:
        return {"accuracy": None, "correctness_std": None, "precision": None, "recall": None, "f1": None}
    correct = np.array([a == b for a, b in zip(t, p)], dtype=np.float64)
    labels = sorted(set(t) | set(p))
    precision, recall, f1, _ = precision_recall_fscore_support(t, p, labels=labels, average="macro", zero_division=0)
    return {
        "accuracy": round(float(correct.mean()), 6),
        "correctness_std": round(float(correct.std()), 6),
        "precision": round(float(precision), 6),
        "recall": round(float(recall), 6),
        "f1": round(float(f1), 6),
    }
