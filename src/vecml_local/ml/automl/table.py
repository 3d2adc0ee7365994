"""The feature table every AutoML function takes, and aligning a table by column name.

A `FeatureTable` is what the service layer builds from a collection (or from an
inline prediction file): dense numeric columns with NaN for missing values, plus
named categorical columns of strings with None for missing values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vecml_local.errors import BadRequest

__all__ = ["FeatureTable", "align_table", "check_table", "subset_rows"]


@dataclass
class FeatureTable:
    numeric: np.ndarray  # (n, d) float32, NaN = missing
    numeric_names: list[str]  # d names ("column 1".. when the upload named nothing)
    categorical: dict[str, np.ndarray] = field(default_factory=dict)  # name -> (n,) object

    @property
    def n_rows(self) -> int:
        if self.numeric.ndim == 2 and (self.numeric.shape[1] > 0 or not self.categorical):
            return int(self.numeric.shape[0])
        if self.categorical:
            return int(len(next(iter(self.categorical.values()))))
        return int(self.numeric.shape[0])

    @property
    def categorical_names(self) -> list[str]:
        return list(self.categorical)

    @property
    def feature_names(self) -> list[str]:
        return list(self.numeric_names) + list(self.categorical)


def check_table(table: FeatureTable, what: str = "training data") -> FeatureTable:
    """Validate shapes and normalise dtypes (float32 numerics, object categoricals)."""
    numeric = np.asarray(table.numeric, dtype=np.float32)
    if numeric.ndim == 1:
        numeric = numeric.reshape(-1, 1) if len(table.numeric_names) == 1 else numeric.reshape(0, 0)
    if numeric.ndim != 2:
        raise BadRequest(f"{what}: the feature matrix must be two-dimensional")
    n = numeric.shape[0]
    if numeric.shape[1] != len(table.numeric_names):
        raise BadRequest(f"{what}: {numeric.shape[1]} vector columns but {len(table.numeric_names)} column names")
    cats: dict[str, np.ndarray] = {}
    for name, col in table.categorical.items():
        arr = np.asarray(col, dtype=object).reshape(-1)
        if numeric.shape[1] == 0 and n == 0 and not cats:
            n = len(arr)
            numeric = np.zeros((n, 0), dtype=np.float32)
        if len(arr) != n:
            raise BadRequest(f"{what}: categorical feature '{name}' has {len(arr)} values for {n} rows")
        cats[name] = arr
    numeric = np.where(np.isinf(numeric), np.nan, numeric).astype(np.float32, copy=False)
    return FeatureTable(numeric, list(table.numeric_names), cats)


def subset_rows(table: FeatureTable, index: np.ndarray) -> FeatureTable:
    """The rows `index` (integer positions or a boolean mask) of a table."""
    return FeatureTable(
        table.numeric[index],
        list(table.numeric_names),
        {k: v[index] for k, v in table.categorical.items()},
    )


def align_table(table: FeatureTable, numeric_names: list[str], categorical_names: list[str]) -> FeatureTable:
    """Reorder `table` to the training layout by column name.

    Extra columns are ignored; missing numeric columns become NaN and missing
    categorical columns None. A training numeric column may also be found among
    the table's categorical columns (and vice versa), e.g. when a prediction CSV
    carried a column as text: numeric values are parsed, others become missing.
    """
    n = table.n_rows
    src_num = {name: i for i, name in enumerate(table.numeric_names)}
    numeric = np.full((n, len(numeric_names)), np.nan, dtype=np.float32)
    for j, name in enumerate(numeric_names):
        if name in src_num:
            numeric[:, j] = table.numeric[:, src_num[name]]
        elif name in table.categorical:
            numeric[:, j] = _parse_floats(table.categorical[name])
    cats: dict[str, np.ndarray] = {}
    for name in categorical_names:
        if name in table.categorical:
            cats[name] = np.asarray(table.categorical[name], dtype=object)
        elif name in src_num:
            cats[name] = _floats_as_text(table.numeric[:, src_num[name]])
        else:
            cats[name] = np.full(n, None, dtype=object)
    return FeatureTable(numeric, list(numeric_names), cats)


def _parse_floats(values: np.ndarray) -> np.ndarray:
    out = np.full(len(values), np.nan, dtype=np.float32)
    for i, v in enumerate(values):
        if v is None:
            continue
        try:
            f = float(v)
        except (TypeError, ValueError):
            continue
        if np.isfinite(f):
            out[i] = f
    return out


def _floats_as_text(values: np.ndarray) -> np.ndarray:
    out = np.full(len(values), None, dtype=object)
    for i, v in enumerate(values):
        if np.isfinite(v):
            f = float(v)
            out[i] = str(int(f)) if f.is_integer() else repr(f)
    return out
