"""What each `training_mode` searches (see docs/automl-modes.md).

Every mode runs against a `Clock` and returns the chosen candidates with their
weights and the OOF predictions of that choice; `trainer` refits the chosen
candidates on all rows inside the same budget.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np

from .budget import Clock, budget_seconds, work_units
from .lgbm import base_params
from .race import Race, race
from .search import Candidate, Problem, Split, cv_linear, greedy_ensemble, loss, plan_splits
from .select import gain, noise_z

__all__ = [
    "TRAINING_MODES",
    "normalize_training_mode",
    "run_mode",
    "split_count",
    "choose_over",
    "choose_balanced",
    "ensemble_or_reference",
    "HIGH_SPEED",
    "BALANCED_GRID",
    "LIGHTGBM_DEFAULTS",
    "DEFAULTS_ROUNDS",
]

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

# LightGBM's own defaults (LGBMClassifier() / LGBMRegressor()): what a user gets
# without us, so `balanced` always scores them — at exactly 100 rounds and at the
# cross-validated number of rounds — and leaves them only for a clear gain (select.py).
LIGHTGBM_DEFAULTS: dict[str, Any] = {
    "num_leaves": 31,
    "min_data_in_leaf": 20,
    "max_cat_to_onehot": 4,
    "min_data_per_group": 100,
    "cat_smooth": 10.0,
}
DEFAULTS_ROUNDS = 100
DEFAULTS_NAME = "lightgbm_defaults"

# balanced: these shapes at LightGBM's default learning rate (0.1); the first is
# LightGBM's defaults. At 0.05 the search took 2-3x longer (130 s on 900 rows of
# 5-class digits) and chose no better (scripts/bench/automl.py).
BALANCED_LEARNING_RATE = 0.1
BALANCED_GRID: list[dict[str, Any]] = [
    LIGHTGBM_DEFAULTS,
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


def _units(problem: Problem) -> float:
    return work_units(len(problem.y), problem.x.shape[1], problem.n_classes)


def _params(problem: Problem, extra: dict[str, Any], salt: int = 0) -> dict[str, Any]:
    params = base_params(problem.task, problem.n_classes, problem.threads, problem.seed + salt)
    params["learning_rate"] = 0.05
    params.update(extra)
    # leaves cannot need more rows than there are: keep tiny data trainable
    n = len(problem.y)
    params["min_data_in_leaf"] = int(min(params.get("min_data_in_leaf", 20), max(1, n // 10)))
    params["min_data_per_group"] = int(min(params["min_data_per_group"], max(1, n // 10)))
    return params


HOLDOUT_ROWS = 50_000  # balanced / high_accuracy: one holdout split above this many rows
HOLDOUT_UNITS = 50.0  # ... or above this many million cell-trees per round (many classes)
THREE_FOLD_ROWS = 20_000
THREE_FOLD_UNITS = 5.0


def split_count(problem: Problem) -> int:
    """Folds for balanced / high_accuracy: 5, 3 on larger data, 1 (a holdout) when a
    round is expensive (many rows, or many features x classes) and there are rows
    enough for a 10 % scoring set."""
    n, units = len(problem.y), _units(problem)
    if (n > HOLDOUT_ROWS or units > HOLDOUT_UNITS) and n >= 2_000:
        return 1
    if n > THREE_FOLD_ROWS or units > THREE_FOLD_UNITS:
        return 3
    return 5


# What a mode chose: the candidates, their weights and the OOF predictions of the weighted blend
Choice = tuple[list[Candidate], list[float], np.ndarray]
_Item = TypeVar("_Item")


def _single(c: Candidate) -> Choice:
    return [c], [1.0], c.oof


def run_linear(problem: Problem, clock: Clock) -> Choice:
    clock.report(0.0, "linear model, 5 folds", force=True)
    # the strength on at most 2,000 rows: logistic regression fits are not interruptible
    return _single(cv_linear(problem, plan_splits(problem, 5), clock=clock, strength_rows=2_000))


HIGH_SPEED_HOLDOUT_ROWS = 20_000
# Above HIGH_SPEED_HOLDOUT_ROWS: bigger steps and trees, 63 bins. Not LightGBM's
# quantized gradients: on CPU they abort on some data ("Check failed:
# best_split_info.right_count > 0", LightGBM issues #5994 / PR #7397) and they
# stopped 1 point of accuracy lower on the 100k x 64 bench data.
HIGH_SPEED_LARGE = dict(HIGH_SPEED, learning_rate=0.3, num_leaves=127, bagging_fraction=1.0, bagging_freq=0)
HIGH_SPEED_LARGE_BINS = 63


def run_high_speed(problem: Problem, clock: Clock) -> Choice:
    large = len(problem.y) > HIGH_SPEED_HOLDOUT_ROWS
    if large:
        problem.max_bin = HIGH_SPEED_LARGE_BINS
    params = _params(problem, HIGH_SPEED_LARGE if large else HIGH_SPEED)
    splits = plan_splits(problem, 1 if large else 3)
    found = race(
        problem, [("high_speed", params)], splits, clock, max_rounds=1000, patience=30, rung_rounds=1000, survivors=1
    )
    return _single(found.candidates[0])


def _balanced_race(problem: Problem, clock: Clock, splits: list[Split], **kw: Any) -> Race:
    grid = BALANCED_GRID[:4] if _units(problem) > 20 else BALANCED_GRID
    configs = [
        (DEFAULTS_NAME if i == 0 else f"balanced_{i}", _params(problem, dict(g, learning_rate=BALANCED_LEARNING_RATE)))
        for i, g in enumerate(grid)
    ]
    return race(
        problem,
        configs,
        splits,
        clock,
        max_rounds=1000,
        patience=30,
        rung_rounds=150,
        survivors=3,
        fixed_rounds={DEFAULTS_NAME: DEFAULTS_ROUNDS},
        **kw,
    )


def choose_over(
    problem: Problem, reference: Candidate, challengers: list[tuple[_Item, np.ndarray, float]], tried: int = 0
) -> _Item | None:
    """The challenger (item, OOF predictions, loss) with the lowest loss among those
    clearly better than `reference` on the shared rows (select.py), else None. `tried`:
    how many candidates the challengers were picked from (default: as many as given)."""
    z = noise_z(max(tried, len(challengers)))
    rows = reference.scored
    y = problem.y if rows is None else problem.y[rows]
    ref = reference.oof if rows is None else reference.oof[rows]
    best: _Item | None = None
    for item, oof, value in sorted(challengers, key=lambda t: t[2]):
        if value < reference.loss and gain(problem.task, y, ref, oof if rows is None else oof[rows]).significant(z):
            best = item
            break
    return best


def choose_balanced(problem: Problem, candidates: list[Candidate]) -> Candidate:
    """LightGBM's defaults at 100 rounds unless another candidate is clearly better."""
    reference = next(c for c in candidates if c.name == f"{DEFAULTS_NAME}_{DEFAULTS_ROUNDS}_rounds")
    others = [(c, c.oof, c.loss) for c in candidates if c is not reference]
    return choose_over(problem, reference, others) or reference


def run_balanced(problem: Problem, clock: Clock) -> Choice:
    found = _balanced_race(problem, clock, plan_splits(problem, split_count(problem)))
    return _single(choose_balanced(problem, found.candidates))


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


def run_high_accuracy(problem: Problem, clock: Clock) -> Choice:
    """The balanced race first (its own share of the time: about what `balanced` would
    get, at most half of this budget) and balanced's choice, then more configurations at
    a lower learning rate on the same splits, the linear model, and a greedy ensemble
    of all of them. The ensemble replaces balanced's choice only when it is clearly
    better on the same rows (select.py), so on its validation high_accuracy is never
    worse than its balanced stage, and within the noise it is that stage's model."""
    units = _units(problem)
    splits = plan_splits(problem, split_count(problem))
    balanced_seconds = budget_seconds("balanced", len(problem.y), problem.x.shape[1], problem.n_classes)
    stage1_end = clock.start + min(0.9 * balanced_seconds, 0.5 * clock.seconds)
    n_random = 8 if units <= 5 else (4 if units <= 50 else 2)
    extra = [dict(g, learning_rate=0.05) for g in BALANCED_GRID[1:]] + _random_configs(n_random, problem.seed)
    total = len(BALANCED_GRID) + len(extra)
    first = _balanced_race(
        problem, clock, splits, deadline=stage1_end, reserve_members=3, progress_span=(0.0, 0.35), numbering=(0, total)
    )
    pool = list(first.candidates)
    reference = choose_balanced(problem, pool)
    clock.reached = clock.reached or clock.search_over()
    if not clock.search_over():
        configs = [(f"high_accuracy_{i}", _params(problem, g, salt=i)) for i, g in enumerate(extra)]
        second = race(
            problem,
            configs,
            splits,
            clock,
            max_rounds=5000,
            patience=50,
            rung_rounds=300,
            survivors=4,
            want_splits=first.splits_done,
            reserve_members=3,
            progress_span=(0.35, 0.85),
            numbering=(len(BALANCED_GRID), total),
        )
        if second.splits_done == first.splits_done:  # scored on the same rows: comparable
            pool += second.candidates
    if len(problem.y) <= 200_000 and not clock.search_over():
        clock.report(0.85, "linear model")
        pool.append(cv_linear(problem, splits, first.splits_done))
    clock.report(0.88, "ensemble selection")
    return ensemble_or_reference(problem, pool, reference)


def ensemble_or_reference(problem: Problem, pool: list[Candidate], reference: Candidate) -> Choice:
    """The greedy ensemble of `pool` when it is clearly better than `reference` (all
    scored on the same rows; the ensemble is one challenger), else `reference` alone."""
    counts = greedy_ensemble(problem, pool)
    chosen = [pool[i] for i in counts]
    weights = [float(counts[i]) for i in counts]
    # (a sum of arrays, never the start value 0: the ensemble has a member)
    oof = cast(np.ndarray, sum(c.oof * w for c, w in zip(chosen, weights))) / sum(weights)
    rows = reference.scored
    blend_loss = loss(problem.task, problem.y, oof) if rows is None else loss(problem.task, problem.y[rows], oof[rows])
    if choose_over(problem, reference, [("ensemble", oof, blend_loss)]) is None:
        return _single(reference)
    return chosen, weights, oof


RUNNERS: dict[str, Callable[[Problem, Clock], Choice]] = {
    "linear_model": run_linear,
    "high_speed": run_high_speed,
    "balanced": run_balanced,
    "high_accuracy": run_high_accuracy,
}


def run_mode(mode: str, problem: Problem, clock: Clock) -> Choice:
    """(chosen candidates, weights, OOF predictions of the weighted choice)."""
    return RUNNERS[mode](problem, clock)
