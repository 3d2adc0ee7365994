"""What each `training_mode` searches (see docs/automl-modes.md).

Every mode returns the chosen candidates with their weights and the OOF
predictions of that choice; `trainer` refits the chosen candidates on all rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .lgbm import base_params
from .search import Candidate, Problem, cv_lgbm, cv_linear, greedy_ensemble, holdout_lgbm, make_folds

__all__ = ["TRAINING_MODES", "normalize_training_mode", "run_mode", "HIGH_SPEED", "BALANCED_GRID"]

TRAINING_MODES = ("linear_model", "high_speed", "balanced", "high_accuracy")

HIGH_SPEED: dict[str, Any] = {
    "learning_rate": 0.1,
    "num_leaves": 31,
    "min_data_in_leaf": 20,
    "feature_fraction": 0.9,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
}

# balanced: these shapes at LightGBM's default learning rate (0.1); the first is
# LightGBM's defaults. At 0.05 the search took 2-3x longer (130 s on 900 rows of
# 5-class digits) and chose no better (scripts/bench/automl.py).
BALANCED_LEARNING_RATE = 0.1
BALANCED_GRID: list[dict[str, Any]] = [
    {"num_leaves": 31, "min_data_in_leaf": 20},
    {
        "num_leaves": 31,
        "min_data_in_leaf": 20,
        "feature_fraction": 0.8,
        "bagging_fraction": 0.8,
        "bagging_freq": 1,
        "lambda_l2": 1.0,
    },
    {
        "num_leaves": 15,
        "min_data_in_leaf": 10,
        "feature_fraction": 0.7,
        "bagging_fraction": 0.9,
        "bagging_freq": 1,
        "lambda_l2": 0.1,
    },
    {
        "num_leaves": 63,
        "min_data_in_leaf": 30,
        "feature_fraction": 0.6,
        "bagging_fraction": 0.8,
        "bagging_freq": 1,
        "lambda_l2": 3.0,
    },
    {"num_leaves": 7, "min_data_in_leaf": 5, "feature_fraction": 0.9, "lambda_l2": 0.0},
    {
        "num_leaves": 31,
        "min_data_in_leaf": 50,
        "feature_fraction": 0.5,
        "bagging_fraction": 0.7,
        "bagging_freq": 1,
        "lambda_l1": 0.1,
        "lambda_l2": 10.0,
    },
]


def normalize_training_mode(value: object) -> str:
    """The four documented modes; `auto`, empty and unknown values mean `balanced`."""
    text = str(value or "").strip().lower()
    return text if text in TRAINING_MODES else "balanced"


def _size(problem: Problem) -> float:
    k = problem.n_classes if problem.n_classes > 2 else 1
    return float(len(problem.y)) * max(1, problem.x.shape[1]) * k


def _params(problem: Problem, extra: dict[str, Any], salt: int = 0) -> dict[str, Any]:
    params = base_params(problem.task, problem.n_classes, problem.threads, problem.seed + salt)
    params["learning_rate"] = 0.05
    params.update(extra)
    # leaves cannot need more rows than there are: keep tiny data trainable
    n = len(problem.y)
    params["min_data_in_leaf"] = int(min(params.get("min_data_in_leaf", 20), max(1, n // 10)))
    params["min_data_per_group"] = int(min(params["min_data_per_group"], max(1, n // 10)))
    return params


def _folds(problem: Problem, k: int):
    return make_folds(problem.y, problem.classification, k, problem.seed)


def _single(c: Candidate) -> tuple[list[Candidate], list[float], np.ndarray]:
    return [c], [1.0], c.oof


def run_linear(problem: Problem):
    return _single(cv_linear(problem, _folds(problem, 5)))


HIGH_SPEED_HOLDOUT_ROWS = 20_000
# Above HIGH_SPEED_HOLDOUT_ROWS: bigger steps and trees, 63 bins. Not LightGBM's
# quantized gradients: on CPU they abort on some data ("Check failed:
# best_split_info.right_count > 0", LightGBM issues #5994 / PR #7397) and they
# stopped 1 point of accuracy lower on the 100k x 64 bench data.
HIGH_SPEED_LARGE = dict(HIGH_SPEED, learning_rate=0.3, num_leaves=127, bagging_fraction=1.0, bagging_freq=0)
HIGH_SPEED_LARGE_BINS = 63


def run_high_speed(problem: Problem):
    if len(problem.y) > HIGH_SPEED_HOLDOUT_ROWS:
        problem.max_bin = HIGH_SPEED_LARGE_BINS
        return _single(holdout_lgbm(problem, "high_speed", _params(problem, HIGH_SPEED_LARGE), 1000, 30))
    folds = _folds(problem, 3)
    return _single(cv_lgbm(problem, "high_speed", _params(problem, HIGH_SPEED), folds, 1000, 30))


def run_balanced(problem: Problem):
    large = len(problem.y) > 30000
    folds = _folds(problem, 3 if large else 5)
    grid = BALANCED_GRID[:4] if _size(problem) > 2e7 else BALANCED_GRID
    cands = [
        cv_lgbm(
            problem, f"balanced_{i}", _params(problem, dict(g, learning_rate=BALANCED_LEARNING_RATE)), folds, 1000, 30
        )
        for i, g in enumerate(grid)
    ]
    return _single(min(cands, key=lambda c: c.loss))


def _random_configs(count: int, seed: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed + 1009)
    out = []
    for _ in range(count):
        out.append(
            {
                "learning_rate": 0.05,
                "num_leaves": int(rng.choice([4, 8, 16, 31, 63, 127])),
                "min_data_in_leaf": int(rng.choice([2, 5, 10, 20, 40, 80])),
                "feature_fraction": round(float(rng.uniform(0.4, 1.0)), 3),
                "bagging_fraction": round(float(rng.uniform(0.6, 1.0)), 3),
                "bagging_freq": 1,
                "lambda_l1": float(rng.choice([0.0, 0.0, 0.01, 0.1, 1.0])),
                "lambda_l2": round(float(10 ** rng.uniform(-3, 1.5)), 4),
                "cat_smooth": float(rng.choice([1.0, 10.0, 30.0])),
                "extra_trees": bool(rng.random() < 0.2),
            }
        )
    return out


def run_high_accuracy(problem: Problem):
    size = _size(problem)
    n_random = 8 if size <= 5e6 else (4 if size <= 5e7 else 1)
    large = len(problem.y) > 30000
    folds = _folds(problem, 3 if large else 5)
    grid = [dict(g, learning_rate=0.05) for g in BALANCED_GRID[1:]] + _random_configs(n_random, problem.seed)
    if size > 5e7:
        grid = grid[:3]
    cands = [
        cv_lgbm(problem, f"high_accuracy_{i}", _params(problem, g, salt=i), folds, 5000, 50) for i, g in enumerate(grid)
    ]
    if len(problem.y) <= 200_000:
        cands.append(cv_linear(problem, folds))
    counts = greedy_ensemble(problem, cands)
    chosen = [cands[i] for i in counts]
    weights = [float(counts[i]) for i in counts]
    oof = sum(c.oof * w for c, w in zip(chosen, weights)) / sum(weights)
    return chosen, weights, oof


RUNNERS = {
    "linear_model": run_linear,
    "high_speed": run_high_speed,
    "balanced": run_balanced,
    "high_accuracy": run_high_accuracy,
}


def run_mode(mode: str, problem: Problem):
    """(chosen candidates, weights, OOF predictions of the weighted choice)."""
    return RUNNERS[mode](problem)
