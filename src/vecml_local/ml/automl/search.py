"""Cross-validated evaluation of candidate models and greedy ensembling.

A candidate is a LightGBM configuration or the linear model. It is scored by
k-fold cross-validation: each fold's model is fitted on the other folds
(augmented when `data_augmentation` is on) and predicts its own fold, giving
out-of-fold (OOF) predictions for every row. LightGBM stops early on the held-out
fold; the final number of rounds is the folds' mean best iteration x 1.1 (the
final model sees 1/k more rows). Candidates are ranked by OOF log-loss
(classification) or mean squared error (regression).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .augment import augment
from .encoding import LinearEncoder
from .lgbm import fit_booster, make_dataset, predict_booster
from .linear import choose_strength, fit_linear, predict_linear
from .table import FeatureTable, subset_rows

__all__ = ["Problem", "Candidate", "make_folds", "loss", "cv_lgbm", "holdout_lgbm", "cv_linear", "greedy_ensemble"]


@dataclass
class Problem:
    task: str  # "classification" | "regression"
    n_classes: int  # 0 for regression
    x: np.ndarray  # tree encoding (n, p)
    y: np.ndarray  # class indices or float targets
    table: FeatureTable  # the original rows (linear models encode these)
    cat_idx: list[int]
    n_numeric: int
    augmentation: str
    threads: int
    seed: int

    @property
    def classification(self) -> bool:
        return self.task == "classification"

    max_bin: int = 255  # histogram bins per feature, for every LightGBM fit of this problem
    _full: Any = None

    def full_dataset(self):
        """The LightGBM Dataset of all rows, binned once (folds use subsets of it)."""
        if self._full is None:
            self._full = make_dataset(self.x, self.y, self.cat_idx, keep_raw=True, max_bin=self.max_bin).construct()
        return self._full

    def lgb_train_valid(self, tr: np.ndarray, te: np.ndarray | None, salt: int):
        """LightGBM train (and validation) Datasets for row positions: subsets of the
        shared Dataset without augmentation, fresh Datasets of augmented rows otherwise."""
        if self.augmentation == "off":
            full = self.full_dataset()
            return full.subset(np.sort(tr)), (full.subset(np.sort(te)) if te is not None else None)
        xt, yt = self.augmented(self.x[tr], self.y[tr], self.n_numeric, salt)
        train = make_dataset(xt, yt, self.cat_idx, max_bin=self.max_bin)
        valid = (
            make_dataset(self.x[te], self.y[te], self.cat_idx, reference=train, max_bin=self.max_bin)
            if te is not None
            else None
        )
        return train, valid

    def augmented(self, x: np.ndarray, y: np.ndarray, n_numeric: int, salt: int) -> tuple[np.ndarray, np.ndarray]:
        return augment(
            x,
            y,
            self.augmentation,
            n_numeric=n_numeric,
            classification=self.classification,
            seed=self.seed * 7919 + salt,
        )


@dataclass
class Candidate:
    name: str
    kind: str  # "lightgbm" | "linear"
    params: dict[str, Any]
    oof: np.ndarray
    loss: float
    rounds: int = 0
    strength: float = 1.0
    fold_iterations: list[int] = field(default_factory=list)
    scored: np.ndarray | None = None  # rows with an out-of-sample prediction; None = all


def make_folds(y: np.ndarray, classification: bool, k: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified k-fold for classification (when every fold can hold a class), else k-fold."""
    from sklearn.model_selection import KFold, StratifiedKFold

    n = len(y)
    k = max(2, min(k, n))
    if classification:
        counts = np.bincount(y)
        if counts[counts > 0].max() >= k:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
                return list(splitter.split(np.zeros(n), y))
    return list(KFold(n_splits=k, shuffle=True, random_state=seed).split(np.zeros(n)))


def loss(task: str, y: np.ndarray, pred: np.ndarray) -> float:
    if task == "regression":
        return float(np.mean((pred - y) ** 2))
    p = np.clip(pred[np.arange(len(y)), y], 1e-15, 1.0)
    return float(-np.mean(np.log(p)))


def _empty_oof(problem: Problem) -> np.ndarray:
    n = len(problem.y)
    if problem.classification:
        return np.zeros((n, problem.n_classes))
    return np.zeros(n)


def cv_lgbm(
    problem: Problem,
    name: str,
    params: dict[str, Any],
    folds: list[tuple[np.ndarray, np.ndarray]],
    max_rounds: int,
    early_stopping_rounds: int,
) -> Candidate:
    oof = _empty_oof(problem)
    iters: list[int] = []
    for f, (tr, te) in enumerate(folds):
        train_set, valid_set = problem.lgb_train_valid(tr, te, f)
        booster, best = fit_booster(
            params,
            train_set,
            problem.cat_idx,
            max_rounds,
            valid=valid_set,
            early_stopping_rounds=early_stopping_rounds,
        )
        oof[te] = predict_booster(booster, problem.x[te], problem.task, problem.n_classes, num_iteration=best)
        iters.append(best)
    rounds = max(1, int(round(float(np.mean(iters)) * 1.1)))
    return Candidate(name, "lightgbm", params, oof, loss(problem.task, problem.y, oof), rounds, fold_iterations=iters)


def holdout_lgbm(
    problem: Problem, name: str, params: dict[str, Any], max_rounds: int, early_stopping_rounds: int
) -> Candidate:
    """Large-data shortcut: fit on 80 % of the rows, stop early on 10 %, score the
    other 10 % (rows used neither for fitting nor for early stopping)."""
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(problem.y))
    strat = problem.y if problem.classification and np.bincount(problem.y).min() >= 2 else None
    tr, rest = train_test_split(idx, test_size=0.2, random_state=problem.seed, stratify=strat)
    strat = problem.y[rest] if strat is not None and np.bincount(problem.y[rest]).min() >= 2 else None
    stop, score = train_test_split(rest, test_size=0.5, random_state=problem.seed, stratify=strat)
    train_set, valid_set = problem.lgb_train_valid(tr, stop, 0)
    booster, best = fit_booster(
        params, train_set, problem.cat_idx, max_rounds, valid=valid_set, early_stopping_rounds=early_stopping_rounds
    )
    oof = _empty_oof(problem)
    oof[score] = predict_booster(booster, problem.x[score], problem.task, problem.n_classes, num_iteration=best)
    rounds = max(1, int(round(best * 1.1)))
    return Candidate(
        name,
        "lightgbm",
        params,
        oof,
        loss(problem.task, problem.y[score], oof[score]),
        rounds,
        fold_iterations=[best],
        scored=np.sort(score),
    )


def cv_linear(problem: Problem, folds: list[tuple[np.ndarray, np.ndarray]]) -> Candidate:
    """The linear model; its strength is chosen once on all rows, then scored out of fold."""
    encoder = LinearEncoder.fit(problem.table)
    strength = choose_strength(encoder.transform(problem.table), problem.y, problem.task, problem.seed, problem.threads)
    oof = _empty_oof(problem)
    for f, (tr, te) in enumerate(folds):
        part = subset_rows(problem.table, tr)
        enc = LinearEncoder.fit(part)
        xl = enc.transform(part)
        xl, yl = problem.augmented(xl, problem.y[tr], xl.shape[1], f)
        fit = fit_linear(xl, yl, problem.task, problem.n_classes, strength, problem.seed)
        xte = enc.transform(subset_rows(problem.table, te))
        oof[te] = predict_linear(fit.coef, fit.intercept, xte, problem.task, problem.n_classes)
    return Candidate("linear", "linear", {}, oof, loss(problem.task, problem.y, oof), strength=strength)


def greedy_ensemble(
    problem: Problem, candidates: list[Candidate], steps: int = 25, max_members: int = 6
) -> dict[int, int]:
    """Caruana-style forward selection with replacement on OOF predictions.

    Returns {candidate index: count}; weights are the counts. Starts from the
    best single candidate and stops when no addition lowers the OOF loss.
    """
    order = sorted(range(len(candidates)), key=lambda i: candidates[i].loss)
    best = order[0]
    counts = {best: 1}
    total = candidates[best].oof.copy()
    current = candidates[best].loss
    for _ in range(steps):
        size = sum(counts.values())
        choice, choice_loss = None, current
        for i in order:
            if i not in counts and len(counts) >= max_members:
                continue
            trial = loss(problem.task, problem.y, (total + candidates[i].oof) / (size + 1))
            if trial < choice_loss - 1e-9:
                choice, choice_loss = i, trial
        if choice is None:
            break
        counts[choice] = counts.get(choice, 0) + 1
        total += candidates[choice].oof
        current = choice_loss
    return counts
