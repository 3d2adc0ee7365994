"""Feature encoders learned at fit time and stored as JSON/npz (no pickle).

- `TreeEncoder`: numerics as they are (NaN = missing, handled natively by
  LightGBM); each categorical becomes one column of integer codes (categories
  ordered by training frequency, at most `MAX_CATEGORIES`; unseen or missing -> NaN,
  which LightGBM treats as missing).
- `LinearEncoder`: numerics imputed with the training median and standardised;
  categoricals one-hot encoded (top `MAX_ONEHOT` categories; unseen/missing -> all
  zeros).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from .table import FeatureTable

__all__ = ["MAX_CATEGORIES", "MAX_ONEHOT", "TreeEncoder", "LinearEncoder", "learn_categories"]

MAX_CATEGORIES = 1000
MAX_ONEHOT = 100


def _text(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, float) and np.isnan(v):
        return None
    s = str(v).strip()
    return s if s else None


def learn_categories(values: np.ndarray, limit: int) -> list[str]:
    """Distinct non-missing values by descending frequency (ties by value)."""
    counts = Counter(t for t in (_text(v) for v in values) if t is not None)
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [k for k, _ in ordered[:limit]]


def _codes(values: np.ndarray, categories: list[str]) -> np.ndarray:
    index = {c: float(i) for i, c in enumerate(categories)}
    out = np.full(len(values), np.nan, dtype=np.float32)
    for i, v in enumerate(values):
        t = _text(v)
        if t is not None:
            out[i] = index.get(t, np.nan)
    return out


class TreeEncoder:
    """Numeric columns followed by one code column per categorical feature."""

    def __init__(self, numeric_names: list[str], categories: dict[str, list[str]]) -> None:
        self.numeric_names = list(numeric_names)
        self.categories = {k: list(v) for k, v in categories.items()}

    @classmethod
    def fit(cls, table: FeatureTable) -> TreeEncoder:
        cats = {name: learn_categories(col, MAX_CATEGORIES) for name, col in table.categorical.items()}
        return cls(table.numeric_names, cats)

    @property
    def feature_names(self) -> list[str]:
        return self.numeric_names + list(self.categories)

    @property
    def categorical_indices(self) -> list[int]:
        d = len(self.numeric_names)
        return list(range(d, d + len(self.categories)))

    def transform(self, table: FeatureTable) -> np.ndarray:
        n = table.n_rows
        out = np.empty((n, len(self.feature_names)), dtype=np.float32)
        d = len(self.numeric_names)
        out[:, :d] = table.numeric
        for j, (name, cats) in enumerate(self.categories.items()):
            out[:, d + j] = _codes(table.categorical[name], cats)
        return out

    def to_json(self) -> dict[str, Any]:
        return {"numeric_names": self.numeric_names, "categories": self.categories}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TreeEncoder:
        return cls(data["numeric_names"], data["categories"])


class LinearEncoder:
    """Median-imputed standardised numerics + one-hot categoricals (dense)."""

    def __init__(
        self,
        medians: np.ndarray,
        means: np.ndarray,
        scales: np.ndarray,
        categories: dict[str, list[str]],
        onehot_std: list[float] | np.ndarray | None = None,
    ) -> None:
        self.onehot_std = None if onehot_std is None else np.asarray(onehot_std, dtype=np.float64)
        self.medians = np.asarray(medians, dtype=np.float64)
        self.means = np.asarray(means, dtype=np.float64)
        self.scales = np.asarray(scales, dtype=np.float64)
        self.categories = {k: list(v) for k, v in categories.items()}

    @classmethod
    def fit(cls, table: FeatureTable) -> LinearEncoder:
        x = table.numeric.astype(np.float64)
        with np.errstate(all="ignore"):
            medians = np.nanmedian(x, axis=0) if x.shape[0] else np.zeros(x.shape[1])
        medians = np.where(np.isfinite(medians), medians, 0.0)
        x = np.where(np.isnan(x), medians, x)
        means = x.mean(axis=0) if x.shape[0] else np.zeros(x.shape[1])
        scales = x.std(axis=0) if x.shape[0] else np.ones(x.shape[1])
        scales = np.where(scales > 1e-12, scales, 1.0)
        cats = {name: learn_categories(col, MAX_ONEHOT) for name, col in table.categorical.items()}
        encoder = cls(medians, means, scales, cats)
        onehot = encoder.transform(table)[:, len(means) :]
        encoder.onehot_std = onehot.std(axis=0) if onehot.shape[0] else np.zeros(onehot.shape[1])
        return encoder

    @property
    def width(self) -> int:
        return len(self.means) + sum(len(c) for c in self.categories.values())

    def column_groups(self, numeric_names: list[str]) -> list[tuple[str, slice]]:
        """(original feature name, its encoded columns) pairs."""
        groups = [(name, slice(j, j + 1)) for j, name in enumerate(numeric_names)]
        start = len(self.means)
        for name, cats in self.categories.items():
            groups.append((name, slice(start, start + len(cats))))
            start += len(cats)
        return groups

    def transform(self, table: FeatureTable) -> np.ndarray:
        x = table.numeric.astype(np.float64)
        x = np.where(np.isnan(x), self.medians, x)
        out = np.zeros((x.shape[0], self.width), dtype=np.float64)
        d = len(self.means)
        out[:, :d] = (x - self.means) / self.scales
        start = d
        for name, cats in self.categories.items():
            codes = _codes(table.categorical[name], cats)
            ok = ~np.isnan(codes)
            rows = np.nonzero(ok)[0]
            out[rows, start + codes[ok].astype(np.int64)] = 1.0
            start += len(cats)
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "medians": self.medians.tolist(),
            "means": self.means.tolist(),
            "scales": self.scales.tolist(),
            "categories": self.categories,
            "onehot_std": None if self.onehot_std is None else self.onehot_std.tolist(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LinearEncoder:
        return cls(data["medians"], data["means"], data["scales"], data["categories"], data.get("onehot_std"))
