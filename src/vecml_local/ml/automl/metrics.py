"""Validation / prediction metrics with the exact keys of the VecML docs.

Classification: accuracy, micro/macro precision, recall, F1 and auc.
- micro averages over all samples (single-label, so micro P = R = F1 = accuracy);
- macro averages over the classes present in the true or predicted labels, a
  class never predicted counting precision 0 (scikit-learn `zero_division=0`);
- auc: binary ROC AUC of the positive (second) class probability; multi-class
  the macro one-vs-rest average over classes that occur in `y_true` (and are not
  the only class there). Without probabilities, hard predictions are used as
  scores. When no class can be scored (a single class in `y_true`) auc is 0.5,
  the value of an uninformative ranking.
Regression: {"mse", "mae"}.
Every value is a finite Python float.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from vecml_local.errors import BadRequest

from .labels import label_key

__all__ = [
    "CLASSIFICATION_METRICS",
    "REGRESSION_METRICS",
    "compute_metrics",
    "classification_metrics",
    "regression_metrics",
]

CLASSIFICATION_METRICS = (
    "accuracy",
    "micro_precision",
    "macro_precision",
    "micro_recall",
    "macro_recall",
    "micro_f1",
    "macro_f1",
    "auc",
)
REGRESSION_METRICS = ("mse", "mae")
_BIG = 1e300


def _finite(x: float, default: float = 0.0) -> float:
    x = float(x)
    if np.isnan(x):
        return default
    return float(np.clip(x, -_BIG, _BIG))


def regression_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    if len(y_true) == 0:
        return {"mse": 0.0, "mae": 0.0}
    err = y_pred - y_true
    with np.errstate(over="ignore", invalid="ignore"):
        return {"mse": _finite(np.mean(err * err), _BIG), "mae": _finite(np.mean(np.abs(err)), _BIG)}


def classification_metrics(
    y_true: np.ndarray, y_pred: np.ndarray, proba: np.ndarray | None = None, n_classes: int | None = None
) -> dict[str, float]:
    """Metrics over integer class indices (proba columns are the class indices)."""
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    n = len(y_true)
    if n == 0:
        return {k: 0.0 for k in CLASSIFICATION_METRICS}
    k = int(n_classes if n_classes is not None else max(y_true.max(), y_pred.max()) + 1)
    acc = float(np.mean(y_true == y_pred))
    present = np.union1d(np.unique(y_true), np.unique(y_pred))
    precisions, recalls, f1s = [], [], []
    for c in present:
        tp = float(np.sum((y_pred == c) & (y_true == c)))
        n_pred = float(np.sum(y_pred == c))
        n_true = float(np.sum(y_true == c))
        p = tp / n_pred if n_pred else 0.0
        r = tp / n_true if n_true else 0.0
        precisions.append(p)
        recalls.append(r)
        f1s.append(2 * p * r / (p + r) if p + r else 0.0)
    out = {
        "accuracy": acc,
        "micro_precision": acc,
        "macro_precision": float(np.mean(precisions)),
        "micro_recall": acc,
        "macro_recall": float(np.mean(recalls)),
        "micro_f1": acc,
        "macro_f1": float(np.mean(f1s)),
        "auc": _auc(y_true, y_pred, proba, k),
    }
    return {key: _finite(v) for key, v in out.items()}


def _auc(y_true: np.ndarray, y_pred: np.ndarray, proba: np.ndarray | None, k: int) -> float:
    from sklearn.metrics import roc_auc_score

    if proba is None or proba.ndim != 2 or proba.shape[0] != len(y_true):
        k = max(k, int(y_pred.max()) + 1, int(y_true.max()) + 1)
        proba = np.eye(k)[y_pred]
    proba = np.nan_to_num(np.asarray(proba, dtype=np.float64))
    classes = np.unique(y_true)
    if len(classes) < 2:
        return 0.5
    if proba.shape[1] == 2:
        return float(roc_auc_score(y_true == 1, proba[:, 1])) if set(classes) <= {0, 1} else 0.5
    scores = []
    for c in classes:
        if c < proba.shape[1]:
            scores.append(roc_auc_score(y_true == c, proba[:, c]))
        else:
            scores.append(0.5)
    return float(np.mean(scores))


def compute_metrics(
    task_type: str,
    y_true: Any,
    y_pred: Any,
    proba: np.ndarray | None = None,
    classes: list[Any] | None = None,
) -> dict[str, float]:
    """Metrics from label values (any spelling: "1", 1, 1.0 are the same class).

    `proba` columns follow `classes` (required with `proba` for classification).
    """
    if task_type == "regression":
        try:
            yt = np.asarray([float(v) for v in y_true], dtype=np.float64)
            yp = np.asarray([float(v) for v in y_pred], dtype=np.float64)
        except (TypeError, ValueError):
            raise BadRequest("regression metrics need numeric labels") from None
        return regression_metrics(yt, yp)
    if task_type != "classification":
        raise BadRequest(f"task_type must be 'classification' or 'regression', not {task_type!r}")
    keys = [label_key(c) for c in classes] if classes is not None else []
    index = {c: i for i, c in enumerate(keys)}
    for v in list(y_true) + list(y_pred):
        index.setdefault(label_key(v), len(index))
    yt = np.array([index[label_key(v)] for v in y_true], dtype=np.int64)
    yp = np.array([index[label_key(v)] for v in y_pred], dtype=np.int64)
    if proba is not None and classes is not None:
        p = np.zeros((len(yt), len(index)))
        p[:, : len(keys)] = proba
        proba = p
    else:
        proba = None
    return classification_metrics(yt, yp, proba, len(index))
