"""The search's data: the problem, its splits, candidates, the linear model's
cross-validation and greedy ensembling.

A candidate is a LightGBM configuration or the linear model, scored on splits:
k folds (each fold's model is fitted on the other folds, augmented when
`data_augmentation` is on, stops early on its own fold and predicts it) or, on
large data, one holdout (fit on 80 %, stop early on 10 %, score the other 10 %).
The out-of-sample (OOF) predictions of the scored rows rank the candidates by
log-loss (classification) or mean squared error (regression). The final number
of rounds is the splits' mean best iteration x 1.1 (the final model sees more
rows). `race.py` runs the LightGBM candidates against the clock.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .augment import augment
from .encoding import LinearEncoder
from .lgbm import make_dataset
from .linear import choose_strength, fit_linear, predict_linear
from .table import FeatureTable, subset_rows

if TYPE_CHECKING:
    import lightgbm as lgb

__all__ = [
    "Problem",
    "Candidate",
    "Split",
    "make_folds",
    "plan_splits",
    "loss",
    "empty_oof",
    "cv_linear",
    "greedy_ensemble",
]


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
    _full: lgb.Dataset | None = None

    def full_dataset(self) -> lgb.Dataset:
        """The LightGBM Dataset of all rows, binned once (folds use subsets of it)."""
        if self._full is None:
            self._full = make_dataset(self.x, self.y, self.cat_idx, keep_raw=True, max_bin=self.max_bin).construct()
        return self._full

    def lgb_train_valid(
        self, tr: np.ndarray, te: np.ndarray | None, salt: int
    ) -> tuple[lgb.Dataset, lgb.Dataset | None]:
        """LightGBM train (and validation) Datasets for row positions: subsets of the
        shared Dataset without augmentation, fresh Datasets of augmented rows otherwise."""
        if self.augmentation == "off":
            full = self.full_dataset()
            train = full.subset(np.sort(tr))  # type: ignore[arg-type]  # lightgbm takes an index array (annotated list)
            return train, (full.subset(np.sort(te)) if te is not None else None)  # type: ignore[arg-type]  # (same)
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
    row_seconds: float = 0.0  # measured seconds per boosting round per training row


@dataclass
class Split:
    """One split of the search: fit on `train`, stop early on `stop`, score `score`."""

    train: np.ndarray
    stop: np.ndarray
    score: np.ndarray


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


def plan_splits(problem: Problem, k: int) -> list[Split]:
    """k folds (stop = score = the held-out fold), or for k = 1 one holdout: fit on
    80 %, stop early on 10 %, score the other 10 % (rows used for neither)."""
    if k > 1:
        return [Split(tr, te, te) for tr, te in make_folds(problem.y, problem.classification, k, problem.seed)]
    from sklearn.model_selection import train_test_split

    y = problem.y
    idx = np.arange(len(y))
    strat = y if problem.classification and np.bincount(y).min() >= 2 else None
    tr, rest = train_test_split(idx, test_size=0.2, random_state=problem.seed, stratify=strat)
    strat = y[rest] if strat is not None and np.bincount(y[rest]).min() >= 2 else None
    stop, score = train_test_split(rest, test_size=0.5, random_state=problem.seed, stratify=strat)
    return [Split(np.sort(tr), np.sort(stop), np.sort(score))]


def loss(task: str, y: np.ndarray, pred: np.ndarray) -> float:
    if task == "regression":
        return float(np.mean((pred - y) ** 2))
    p = np.clip(pred[np.arange(len(y)), y], 1e-15, 1.0)
    return float(-np.mean(np.log(p)))


def empty_oof(problem: Problem) -> np.ndarray:
    n = len(problem.y)
    if problem.classification:
        return np.zeros((n, problem.n_classes))
    return np.zeros(n)


def cv_linear(
    problem: Problem, splits: list[Split], want: list[int] | None = None, clock: Any = None, strength_rows: int = 20000
) -> Candidate:
    """The linear model; its strength is chosen once on all rows (at most `strength_rows`),
    then scored on the `want` splits (default all) as the LightGBM candidates are. With
    a `clock`, splits after the first are skipped once the search time is over."""
    want = list(range(len(splits))) if want is None else want
    encoder = LinearEncoder.fit(problem.table)
    x_all = encoder.transform(problem.table)
    strength = choose_strength(x_all, problem.y, problem.task, problem.seed, problem.threads, strength_rows)
    oof = empty_oof(problem)
    done: list[int] = []  # the splits scored
    for f in want:
        if done and clock is not None and clock.search_over():
            clock.reached = True
            break
        done.append(f)
        tr, te = splits[f].train, splits[f].score
        part = subset_rows(problem.table, tr)
        enc = LinearEncoder.fit(part)
        xl = enc.transform(part)
        xl, yl = problem.augmented(xl, problem.y[tr], xl.shape[1], f)
        fit = fit_linear(xl, yl, problem.task, problem.n_classes, strength, problem.seed)
        xte = enc.transform(subset_rows(problem.table, te))
        oof[te] = predict_linear(fit.coef, fit.intercept, xte, problem.task, problem.n_classes)
    rows = np.sort(np.concatenate([splits[f].score for f in done]))
    scored = None if len(rows) == len(problem.y) else rows
    c = Candidate("linear", "linear", {}, oof, loss(problem.task, problem.y[rows], oof[rows]), strength=strength)
    c.scored = scored
    return c


def greedy_ensemble(
    problem: Problem, candidates: list[Candidate], steps: int = 25, max_members: int = 6
) -> dict[int, int]:
    """Caruana-style forward selection with replacement on OOF predictions (of the rows
    every candidate scored: they share `scored`).

    Returns {candidate index: count}; weights are the counts. Starts from the
    best single candidate and stops when no addition lowers the OOF loss, so the
    ensemble is never worse than its best member on these rows.
    """
    rows = candidates[0].scored
    y = problem.y if rows is None else problem.y[rows]
    oofs = [c.oof if rows is None else c.oof[rows] for c in candidates]
    order = sorted(range(len(candidates)), key=lambda i: candidates[i].loss)
    best = order[0]
    counts = {best: 1}
    total = oofs[best].copy()
    current = candidates[best].loss
    for _ in range(steps):
        size = sum(counts.values())
        choice, choice_loss = None, current
        for i in order:
            if i not in counts and len(counts) >= max_members:
                continue
            trial = loss(problem.task, y, (total + oofs[i]) / (size + 1))
            if trial < choice_loss - 1e-9:
                choice, choice_loss = i, trial
        if choice is None:
            break
        counts[choice] = counts.get(choice, 0) + 1
        total += oofs[choice]
        current = choice_loss
    return counts
