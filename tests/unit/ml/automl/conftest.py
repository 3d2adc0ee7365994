"""Real bundled datasets as FeatureTables for the AutoML tests."""

from __future__ import annotations

import numpy as np
import pytest

from vecml_local.ml.automl import FeatureTable


def as_table(x: np.ndarray, categorical: dict[str, np.ndarray] | None = None) -> FeatureTable:
    x = np.asarray(x, dtype=np.float32)
    return FeatureTable(x, [f"column {i + 1}" for i in range(x.shape[1])], categorical or {})


def as_labels(y) -> np.ndarray:
    return np.array([str(v) for v in y], dtype=object)


def split(n: int, seed: int = 0, test: float = 0.3):
    idx = np.random.default_rng(seed).permutation(n)
    cut = int(n * (1 - test))
    return idx[:cut], idx[cut:]


@pytest.fixture(scope="session")
def breast_cancer():
    from sklearn.datasets import load_breast_cancer

    return load_breast_cancer(return_X_y=True)


@pytest.fixture(scope="session")
def wine():
    from sklearn.datasets import load_wine

    return load_wine(return_X_y=True)


@pytest.fixture(scope="session")
def diabetes():
    from sklearn.datasets import load_diabetes

    return load_diabetes(return_X_y=True)


@pytest.fixture(scope="session")
def digits():
    from sklearn.datasets import load_digits

    return load_digits(return_X_y=True)
