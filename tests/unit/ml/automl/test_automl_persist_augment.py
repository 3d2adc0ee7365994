"""Save/load round trips, prediction by column name, data augmentation."""

from __future__ import annotations

import numpy as np

from vecml_local.ml.automl import FeatureTable, load_model, save_model, train_model
from vecml_local.ml.automl.augment import augment

from .conftest import as_labels, as_table


def _with_category(x: np.ndarray) -> FeatureTable:
    band = np.where(x[:, 2] > np.median(x[:, 2]), "high", "low").astype(object)
    return FeatureTable(x[:, [0, 1, 3, 4]].astype(np.float32), ["a", "b", "c", "d"], {"band": band})


def test_round_trip_ensemble_regression(diabetes, tmp_path):
    x, y = diabetes
    table = _with_category(x)
    model = train_model(table, as_labels(y), task_type="regression", training_mode="high_accuracy")
    save_model(model, tmp_path / "m")
    assert not any(p.suffix == ".pkl" for p in (tmp_path / "m").iterdir())
    loaded = load_model(tmp_path / "m")
    assert loaded.predict(table) == model.predict(table)
    assert loaded.feature_importance() == model.feature_importance()
    assert loaded.validation_metric == model.validation_metric


def test_round_trip_classification_linear_and_trees(wine, tmp_path):
    x, y = wine
    for mode in ("linear_model", "high_speed"):
        model = train_model(as_table(x), as_labels(y), task_type="classification", training_mode=mode)
        save_model(model, tmp_path / mode)
        loaded = load_model(tmp_path / mode)
        np.testing.assert_array_equal(loaded.predict_proba(as_table(x)), model.predict_proba(as_table(x)))
        assert loaded.predict(as_table(x)) == model.predict(as_table(x))
        assert loaded.classes == [0, 1, 2]


def test_prediction_aligns_columns_by_name(wine):
    x, y = wine
    model = train_model(as_table(x), as_labels(y), task_type="classification", training_mode="high_speed")
    table = as_table(x)
    reordered = FeatureTable(table.numeric[:, ::-1].copy(), table.numeric_names[::-1] + [], {})
    extra = FeatureTable(
        np.hstack([reordered.numeric, np.ones((len(y), 1), np.float32)]), reordered.numeric_names + ["zzz"], {}
    )
    assert model.predict(extra) == model.predict(table)
    missing = FeatureTable(table.numeric[:, :5].copy(), table.numeric_names[:5], {})
    assert len(model.predict(missing)) == len(y)  # absent columns are missing values


def test_augment_keeps_originals_and_balances_classes():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 3)).astype(np.float32)
    x[:5, 0] = np.nan
    y = np.array([0] * 90 + [1] * 10)
    xa, ya = augment(x, y, "low", n_numeric=3, classification=True, seed=1)
    np.testing.assert_array_equal(xa[:100], x)  # originals unchanged, first
    assert len(ya) > 200 and np.sum(ya == 1) >= 45  # minority topped up to half of the majority
    assert np.isnan(xa[100:105, 0]).all()  # missing stays missing
    assert not np.allclose(xa[100:200, 1], x[:, 1])  # copies are jittered
    xh, yh = augment(x, y, "high", n_numeric=3, classification=True, seed=1)
    assert np.sum(yh == 1) >= np.sum(yh == 0) - 1
    same, _ = augment(x, y, "off", n_numeric=3, classification=True, seed=1)
    assert same is x


def test_augmentation_trains_well(breast_cancer):
    x, y = breast_cancer
    for level in ("low", "high"):
        model = train_model(
            as_table(x), as_labels(y), task_type="classification", training_mode="high_speed", data_augmentation=level
        )
        assert model.validation_metric["accuracy"] >= 0.92
        assert model.info["num_rows"] == len(y)  # scored on the original rows only
        assert model.data_augmentation == level
