"""LightGBM helpers: parameters, fitting with early stopping, prediction.

lightgbm is imported inside the functions so importing this package is cheap.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import lightgbm as lgb

__all__ = [
    "base_params",
    "default_threads",
    "effective_threads",
    "make_dataset",
    "predict_booster",
    "booster_from_string",
]


def default_threads(num_threads: int | None) -> int:
    if num_threads and num_threads > 0:
        return int(num_threads)
    return max(1, os.cpu_count() or 1)


SMALL_DATA_CELLS = 1_000_000


def effective_threads(num_threads: int, cells: int) -> int:
    """One thread below `SMALL_DATA_CELLS` matrix cells: LightGBM's per-iteration
    thread synchronisation costs more than it saves on small data (on a busy
    2-core machine 2 threads were 100x slower than 1 on a 569-row table)."""
    return 1 if cells < SMALL_DATA_CELLS else num_threads


def base_params(task: str, n_classes: int, num_threads: int, seed: int) -> dict[str, Any]:
    """Objective, metric, threads and determinism; the search adds the rest."""
    objective: dict[str, Any]
    if task == "regression":
        objective = {"objective": "regression", "metric": "l2"}
    elif n_classes <= 2:
        objective = {"objective": "binary", "metric": "binary_logloss"}
    else:
        objective = {"objective": "multiclass", "num_class": n_classes, "metric": "multi_logloss"}
    return {
        **objective,
        "num_threads": num_threads,
        "seed": seed,
        "deterministic": True,
        "force_row_wise": True,
        "verbosity": -1,
        "max_cat_to_onehot": 8,
        "cat_smooth": 10.0,
        "min_data_per_group": 20,
    }


def make_dataset(
    x: np.ndarray,
    y: np.ndarray,
    cat_idx: list[int],
    reference: lgb.Dataset | None = None,
    keep_raw: bool = False,
    max_bin: int = 255,
) -> lgb.Dataset:
    """A LightGBM Dataset; the configurations of one search share its binning."""
    import lightgbm as lgb

    return lgb.Dataset(
        x,
        label=y,
        categorical_feature=cat_idx or "auto",
        params={"verbosity": -1, "feature_pre_filter": False, "max_bin": max_bin},
        reference=reference,
        free_raw_data=not keep_raw,
    )


def predict_booster(
    booster: lgb.Booster, x: np.ndarray, task: str, n_classes: int, num_iteration: int | None = None
) -> np.ndarray:
    """Class probabilities (n, K) for classification, values (n,) for regression."""
    threads = 1 if len(x) < 2000 else 0
    kwargs: dict[str, Any] = {"num_threads": threads} if threads else {}
    raw = booster.predict(x, num_iteration=num_iteration, **kwargs)
    raw = np.asarray(raw, dtype=np.float64)
    if task == "regression":
        return raw.reshape(-1)
    if n_classes <= 2:
        p = raw.reshape(-1)
        return np.column_stack([1.0 - p, p])
    return raw.reshape(len(x), n_classes)


def booster_from_string(text: str) -> lgb.Booster:
    import lightgbm as lgb

    return lgb.Booster(model_str=text)
