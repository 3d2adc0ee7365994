"""Training every mode and task on real bundled data, with quality floors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from vecml_local.errors import BadRequest
from vecml_local.ml.automl import (
    CLASSIFICATION_METRICS,
    FeatureTable,
    compute_metrics,
    train_model,
)
from vecml_local.ml.automl.table import subset_rows

from .conftest import as_labels, as_table, split


def _fit_score(x, y, task, mode, seed=0, **kw):
    tr, te = split(len(y), seed)
    model = train_model(as_table(x[tr]), as_labels(y[tr]), task_type=task, training_mode=mode, random_seed=seed, **kw)
    test = as_table(x[te])
    if task == "classification":
        preds, proba = model.predict_with_proba(test)
        return model, compute_metrics(task, y[te], preds, proba, model.classes)
    return model, compute_metrics(task, y[te], model.predict(test))


def _finite_metrics(metrics, task):
    keys = CLASSIFICATION_METRICS if task == "classification" else ("mse", "mae")
    assert tuple(metrics) == tuple(keys)
    assert all(isinstance(v, float) and math.isfinite(v) for v in metrics.values())


@pytest.mark.parametrize(
    "mode,floor", [("linear_model", 0.95), ("high_speed", 0.92), ("balanced", 0.93), ("auto", 0.93)]
)
def test_binary_breast_cancer(breast_cancer, mode, floor):
    x, y = breast_cancer
    model, test = _fit_score(x, y, "classification", mode)
    assert test["accuracy"] >= floor and test["auc"] >= 0.97
    assert model.validation_metric["accuracy"] >= floor - 0.02
    _finite_metrics(model.validation_metric, "classification")
    assert model.classes == [0, 1]
    assert model.training_mode == ("balanced" if mode == "auto" else mode)


@pytest.mark.parametrize("mode", ["linear_model", "high_speed", "balanced"])
def test_multiclass_wine(wine, mode):
    x, y = wine
    model, test = _fit_score(x, y, "classification", mode)
    assert test["accuracy"] >= 0.88 and test["macro_f1"] >= 0.87
    _finite_metrics(model.validation_metric, "classification")
    proba = model.predict_proba(as_table(x[:5]))
    assert proba.shape == (5, 3) and np.allclose(proba.sum(axis=1), 1.0)


def test_high_accuracy_classification_ensemble(breast_cancer):
    x, y = breast_cancer
    idx = np.random.default_rng(3).permutation(len(y))[:260]
    model, test = _fit_score(x[idx], y[idx], "classification", "high_accuracy")
    assert test["accuracy"] >= 0.92 and test["auc"] >= 0.97
    assert sum(model.weights) >= 1 and len(model.members) >= 1


@pytest.mark.parametrize("mode", ["linear_model", "high_speed", "balanced", "high_accuracy"])
def test_regression_diabetes(diabetes, mode):
    x, y = diabetes
    model, test = _fit_score(x, y, "regression", mode)
    _, te = split(len(y), 0)
    variance = float(np.var(y[te]))
    assert test["mse"] <= 0.72 * variance  # R^2 >= 0.28 on held-out rows
    _finite_metrics(model.validation_metric, "regression")
    assert all(isinstance(p, float) for p in model.predict(as_table(x[:3])))


def test_categorical_and_missing_values(breast_cancer):
    """A numeric column binned into text categories plus 10 % missing cells."""
    x, y = breast_cancer
    x = x.astype(np.float32).copy()
    rng = np.random.default_rng(1)
    bins = np.digitize(x[:, 22], np.quantile(x[:, 22], [0.2, 0.4, 0.6, 0.8]))
    size = np.array(["tiny", "small", "mid", "large", "huge"], dtype=object)[bins]
    size[rng.random(len(y)) < 0.05] = None
    x = np.delete(x, 22, axis=1)
    x[rng.random(x.shape) < 0.1] = np.nan
    table = FeatureTable(x, [f"column {i + 1}" for i in range(x.shape[1])], {"size": size})
    tr, te = split(len(y))
    for mode in ("high_speed", "linear_model"):
        model = train_model(subset_rows(table, tr), as_labels(y[tr]), task_type="classification", training_mode=mode)
        preds = model.predict(subset_rows(table, te))
        assert compute_metrics("classification", y[te], preds)["accuracy"] >= 0.9
        names = [name for name, _ in model.feature_importance()]
        assert names.count("size") == 1 and len(names) == x.shape[1] + 1


def test_feature_importance_shape(digits):
    x, y = digits
    model = train_model(as_table(x[:400]), as_labels(y[:400]), task_type="classification", training_mode="high_speed")
    imp = model.feature_importance()
    assert len(imp) == 50
    values = [v for _, v in imp]
    assert values[0] == 1.0 and values == sorted(values, reverse=True) and min(values) >= 0
    linear = train_model(
        as_table(x[:400]), as_labels(y[:400]), task_type="classification", training_mode="linear_model"
    )
    assert linear.feature_importance()[0][1] == 1.0


def test_validation_dataset_metrics(breast_cancer):
    x, y = breast_cancer
    tr, te = split(len(y))
    val = (as_table(x[te]), as_labels(y[te]))
    model = train_model(
        as_table(x[tr]), as_labels(y[tr]), task_type="classification", training_mode="high_speed", validation=val
    )
    preds, proba = model.predict_with_proba(val[0])
    assert model.validation_metric == compute_metrics("classification", y[te], preds, proba, model.classes)
    assert model.info["validation"] == "dataset"
    with pytest.raises(BadRequest, match="validation_dataset"):
        train_model(
            as_table(x[tr]),
            as_labels(y[tr]),
            task_type="classification",
            training_mode="high_speed",
            validation=(as_table(x[te, :5]), as_labels(y[te])),
        )


def test_determinism_with_seed(wine):
    x, y = wine
    a = train_model(
        as_table(x),
        as_labels(y),
        task_type="classification",
        training_mode="high_speed",
        random_seed=7,
        data_augmentation="low",
        time_budget_seconds=600,  # the clock must not cut either search: a cut depends on the host's speed
    )
    b = train_model(
        as_table(x),
        as_labels(y),
        task_type="classification",
        training_mode="high_speed",
        random_seed=7,
        data_augmentation="low",
        time_budget_seconds=600,  # the clock must not cut either search: a cut depends on the host's speed
    )
    np.testing.assert_array_equal(a.predict_proba(as_table(x)), b.predict_proba(as_table(x)))
    assert a.validation_metric == b.validation_metric
    assert a.info["budget_reached"] is False


def test_label_values_and_missing_labels(wine):
    x, y = wine
    names = np.array(["barolo", "grignolino", "barbera"], dtype=object)[y]
    names[:10] = None  # unlabelled rows are left out
    model = train_model(as_table(x), names, task_type="classification", training_mode="linear_model")
    assert model.info["num_rows"] == len(y) - 10
    assert set(model.predict(as_table(x))) <= {"barolo", "grignolino", "barbera"}
    assert model.classes == ["barbera", "barolo", "grignolino"]


def test_degenerate_inputs(wine):
    x, y = wine
    single = train_model(as_table(x[:20]), as_labels(["7"] * 20), task_type="classification", training_mode="balanced")
    assert single.predict(as_table(x[:3])) == [7, 7, 7]
    assert all(math.isfinite(v) for v in single.validation_metric.values())
    with pytest.raises(BadRequest, match="at least 2"):
        train_model(as_table(x[:1]), as_labels(y[:1]), task_type="classification", training_mode="balanced")
    with pytest.raises(BadRequest, match="row 3"):
        train_model(
            as_table(x[:3]), np.array(["1", "2", "x"], dtype=object), task_type="regression", training_mode="high_speed"
        )
    with pytest.raises(BadRequest, match="task_type"):
        train_model(as_table(x[:3]), as_labels(y[:3]), task_type="clustering", training_mode="balanced")
    with pytest.raises(BadRequest, match="data_augmentation"):
        train_model(
            as_table(x[:3]),
            as_labels(y[:3]),
            task_type="classification",
            training_mode="balanced",
            data_augmentation="max",
        )


def test_high_speed_on_large_data_uses_a_holdout_and_coarse_bins():
    """Above 20,000 rows high_speed fits once on 80 %, stops early on 10 % and reports
    the metric on the other 10 %; then refits on all rows with the same 63-bin binning."""
    from sklearn.datasets import make_classification

    x, y = make_classification(30_000, 12, n_informative=6, random_state=3)  # 22,500 training rows
    tr, te = split(len(y), 0)
    model = train_model(
        as_table(x[tr]),
        as_labels(y[tr]),
        task_type="classification",
        training_mode="high_speed",
        data_augmentation="low",
    )
    assert model.info["validation"] == "holdout"
    [member] = model.info["members"]
    assert "use_quantized_grad" not in member["params"]
    preds, proba = model.predict_with_proba(as_table(x[te]))
    test = compute_metrics("classification", y[te], preds, proba, model.classes)
    assert test["accuracy"] >= 0.9 and model.validation_metric["accuracy"] >= 0.9
    text = model.members[0].booster.model_to_string()
    assert "[max_bin: 63]" in text
