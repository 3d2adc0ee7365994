"""`data_augmentation`: perturbed copies of training rows.

Applied only to the rows a model is fitted on (never to validation rows or to
the rows scored out of fold).

| level | copies of every row | numeric jitter (x feature spread) | categorical resampling | class balancing |
|---|---|---|---|---|
| off  | 0 | - | - | - |
| low  | 1 | 0.05 | 0 % | minority classes topped up to 50 % of the largest class |
| high | 2 | 0.10 | 5 % | minority classes topped up to 100 % of the largest class |

Feature spread is the interquartile range / 1.349 (a robust standard deviation),
falling back to the standard deviation. Missing values stay missing. Numeric
columns with few distinct values (<= 10, e.g. flags and counts) are not jittered.
Categorical resampling replaces a value by one drawn from that column's
training distribution. Class balancing adds jittered copies of rows of the
smaller classes. Extra rows are capped at `MAX_EXTRA_ROWS`.
"""

from __future__ import annotations

from typing import TypedDict

import numpy as np

from vecml_local.errors import BadRequest

__all__ = ["AUGMENTATION_LEVELS", "MAX_EXTRA_ROWS", "normalize_augmentation", "augment"]

AUGMENTATION_LEVELS = ("off", "low", "high")
MAX_EXTRA_ROWS = 200_000


class _Level(TypedDict):
    copies: int  # extra jittered copies of every row
    jitter: float
    resample: float
    balance: float


_SETTINGS: dict[str, _Level] = {
    "low": {"copies": 1, "jitter": 0.05, "resample": 0.0, "balance": 0.5},
    "high": {"copies": 2, "jitter": 0.10, "resample": 0.05, "balance": 1.0},
}


def normalize_augmentation(value: object) -> str:
    if value is None or value is False:
        return "off"
    if value is True:
        return "low"
    text = str(value).strip().lower()
    if text in ("", "off", "none", "false", "no", "0"):
        return "off"
    if text in ("low", "true", "on", "yes", "1"):
        return "low"
    if text == "high":
        return "high"
    raise BadRequest(f"data_augmentation must be 'off', 'low' or 'high', not {str(value)[:40]!r}")


def _spread(x: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        q75, q25 = np.nanpercentile(x, [75, 25], axis=0) if x.shape[0] else (np.zeros(x.shape[1]),) * 2
        robust = (q75 - q25) / 1.349
        std = np.nanstd(x, axis=0) if x.shape[0] else np.zeros(x.shape[1])
    spread = np.where(robust > 0, robust, std)
    return np.where(np.isfinite(spread), spread, 0.0)


def _few_values(x: np.ndarray, limit: int = 10) -> np.ndarray:
    sample = x[: min(len(x), 5000)]
    out = np.zeros(x.shape[1], dtype=bool)
    for j in range(x.shape[1]):
        col = sample[:, j]
        out[j] = len(np.unique(col[~np.isnan(col)])) <= limit
    return out


def augment(
    x: np.ndarray,
    y: np.ndarray,
    level: str,
    *,
    n_numeric: int,
    classification: bool,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Return (x, y) with augmented rows appended.

    `x` is the tree encoding: the first `n_numeric` columns numeric, the rest
    categorical codes (NaN = missing). Linear models encode after augmenting via
    the same tree layout, so one function serves both.
    """
    if level == "off" or len(y) < 2:
        return x, y
    cfg = _SETTINGS[level]
    rng = np.random.default_rng(seed)
    n = len(y)
    picks = [np.tile(np.arange(n), cfg["copies"])]
    if classification:
        classes, counts = np.unique(y, return_counts=True)
        target = int(counts.max() * (1 + cfg["copies"]) * cfg["balance"])
        for c, cnt in zip(classes, counts):
            need = target - cnt * (1 + cfg["copies"])
            if need > 0:
                picks.append(rng.choice(np.nonzero(y == c)[0], size=need, replace=True))
    idx = np.concatenate(picks)
    if len(idx) > MAX_EXTRA_ROWS:
        idx = rng.choice(idx, size=MAX_EXTRA_ROWS, replace=False)
    if len(idx) == 0:
        return x, y
    extra = x[idx].copy()
    num = extra[:, :n_numeric]
    spread = _spread(x[:, :n_numeric]) * cfg["jitter"]
    spread[_few_values(x[:, :n_numeric])] = 0.0
    num += (rng.standard_normal(num.shape) * spread).astype(num.dtype)
    if cfg["resample"] > 0 and x.shape[1] > n_numeric:
        for j in range(n_numeric, x.shape[1]):
            mask = rng.random(len(idx)) < cfg["resample"]
            if mask.any():
                extra[mask, j] = x[rng.integers(0, n, size=int(mask.sum())), j]
    return np.vstack([x, extra]), np.concatenate([y, y[idx]])
