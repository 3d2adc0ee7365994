"""Regularised linear models: logistic regression (classification) and ridge
regression, with the regularisation strength picked by cross-validation.

Only the coefficients are kept (predictions are plain numpy), so a model is
stored as JSON/npz and needs no scikit-learn object at prediction time.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

__all__ = ["LinearFit", "fit_linear", "predict_linear", "choose_strength", "C_GRID", "ALPHA_GRID"]

C_GRID = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
ALPHA_GRID = tuple(float(a) for a in np.logspace(-3, 3, 13))


@dataclass
class LinearFit:
    coef: np.ndarray  # (m, p): m = 1 for regression and binary, K for multi-class
    intercept: np.ndarray  # (m,)
    strength: float  # C (classification) or alpha (regression)


def choose_strength(
    x: np.ndarray, y: np.ndarray, task: str, seed: int, num_threads: int, max_rows: int = 20000
) -> float:
    """C by 3-fold CV log-loss (on at most `max_rows` rows), or alpha by ridge LOO."""
    from sklearn.linear_model import LogisticRegressionCV, RidgeCV

    if task == "regression":
        return float(RidgeCV(alphas=ALPHA_GRID).fit(x, y).alpha_)
    if len(np.unique(y)) < 2:
        return 1.0
    if len(y) > max_rows:
        idx = np.random.default_rng(seed).choice(len(y), max_rows, replace=False)
        x, y = x[idx], y[idx]
    counts = np.bincount(y)
    folds = int(min(3, counts[counts > 0].min()))
    if folds < 2:
        return 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LogisticRegressionCV(
            Cs=list(C_GRID),
            cv=folds,
            scoring="neg_log_loss",
            max_iter=300,
            random_state=seed,
        ).fit(x, y)
    return float(np.atleast_1d(model.C_)[0])


def fit_linear(x: np.ndarray, y: np.ndarray, task: str, n_classes: int, strength: float, seed: int) -> LinearFit:
    from sklearn.linear_model import LogisticRegression, Ridge

    if task == "regression":
        model = Ridge(alpha=strength).fit(x, y)
        return LinearFit(np.atleast_2d(model.coef_), np.atleast_1d(model.intercept_), strength)
    present = np.unique(y)
    if len(present) < 2:  # one class in these rows: a constant model
        if n_classes > 2:
            intercept = np.full(n_classes, -30.0)
            intercept[present[0]] = 0.0
            return LinearFit(np.zeros((n_classes, x.shape[1])), intercept, strength)
        return LinearFit(np.zeros((1, x.shape[1])), np.array([30.0 if present[0] == 1 else -30.0]), strength)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LogisticRegression(C=strength, max_iter=200, random_state=seed).fit(x, y)
    coef, intercept = np.atleast_2d(model.coef_), np.atleast_1d(model.intercept_)
    present = model.classes_.astype(np.int64)
    if n_classes > 2:
        full_c = np.zeros((n_classes, x.shape[1]))
        full_i = np.full(n_classes, -30.0)  # a class absent from these rows gets ~0 probability
        if len(present) == 2:  # sklearn's binary form inside a multi-class problem
            full_c[present[1]], full_i[present[1]] = coef[0], intercept[0]
            full_i[present[0]] = 0.0
        else:
            full_c[present], full_i[present] = coef, intercept
        coef, intercept = full_c, full_i
    elif len(present) == 2 and present[1] != 1:
        coef, intercept = -coef, -intercept
    return LinearFit(coef, intercept, strength)


def predict_linear(
    fit_coef: np.ndarray, fit_intercept: np.ndarray, x: np.ndarray, task: str, n_classes: int
) -> np.ndarray:
    z: np.ndarray = x @ fit_coef.T + fit_intercept
    if task == "regression":
        return z.reshape(-1)
    if n_classes <= 2:
        p = 1.0 / (1.0 + np.exp(-np.clip(z.reshape(-1), -500, 500)))
        return np.column_stack([1.0 - p, p])
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    probabilities: np.ndarray = e / e.sum(axis=1, keepdims=True)
    return probabilities
