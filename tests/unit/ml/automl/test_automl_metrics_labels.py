"""Metrics, label codec and table alignment (pure, fast)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score

from vecml_local.errors import BadRequest
from vecml_local.ml.automl import CLASSIFICATION_METRICS, FeatureTable, LabelCodec, align_table, compute_metrics
from vecml_local.ml.automl.labels import parse_regression_labels


def test_classification_metrics_match_sklearn():
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 3, 200)
    proba = rng.dirichlet([1, 1, 1], 200)
    proba[np.arange(200), y_true] += 0.5
    proba /= proba.sum(axis=1, keepdims=True)
    y_pred = proba.argmax(axis=1)
    m = compute_metrics("classification", y_true, y_pred, proba, classes=[0, 1, 2])
    assert tuple(m) == CLASSIFICATION_METRICS
    assert m["accuracy"] == pytest.approx(np.mean(y_true == y_pred))
    assert m["macro_precision"] == pytest.approx(precision_score(y_true, y_pred, average="macro"))
    assert m["macro_recall"] == pytest.approx(recall_score(y_true, y_pred, average="macro"))
    assert m["macro_f1"] == pytest.approx(f1_score(y_true, y_pred, average="macro"))
    assert m["micro_f1"] == pytest.approx(f1_score(y_true, y_pred, average="micro"))
    assert m["auc"] == pytest.approx(roc_auc_score(y_true, proba, multi_class="ovr", average="macro"))


def test_binary_auc_and_label_spellings():
    y_true = ["1", "0", "1", "0", "1"]
    y_pred = [1, 0, 0, 0, 1]  # ints and strings name the same classes
    proba = np.array([[0.1, 0.9], [0.8, 0.2], [0.6, 0.4], [0.7, 0.3], [0.2, 0.8]])
    m = compute_metrics("classification", y_true, y_pred, proba, classes=["0", "1"])
    assert m["accuracy"] == pytest.approx(0.8)
    assert m["auc"] == pytest.approx(roc_auc_score([1, 0, 1, 0, 1], proba[:, 1]))


def test_degenerate_metrics_are_finite():
    one_class = compute_metrics("classification", ["a"] * 4, ["a", "b", "a", "a"])
    assert one_class["auc"] == 0.5
    assert all(math.isfinite(v) for v in one_class.values())
    empty = compute_metrics("classification", [], [])
    assert set(empty) == set(CLASSIFICATION_METRICS) and all(v == 0.0 for v in empty.values())
    reg = compute_metrics("regression", [1.0, 2.0], [1.5, 1.0e200])
    assert set(reg) == {"mse", "mae"} and all(math.isfinite(v) for v in reg.values())


def test_label_codec_decodes_label_values():
    ints = LabelCodec.fit(np.array(["2", "0", "1", "1.0", "10"], dtype=object))
    assert ints.classes == ["0", "1", "2", "10"]  # numeric order; "1" and "1.0" are one class
    assert ints.decode(np.array([0, 3])) == [0, 10]
    assert all(type(v) is int for v in ints.values)
    floats = LabelCodec.fit(np.array(["0.5", "1"], dtype=object))
    assert floats.values == [0.5, 1.0]
    text = LabelCodec.fit(np.array(["cat", "dog", "2"], dtype=object))
    assert text.values == ["2", "cat", "dog"]
    assert list(text.encode(np.array(["dog", "bird"], dtype=object))) == [2, -1]


def test_regression_label_error_names_row_and_value():
    assert list(parse_regression_labels(np.array(["1.5", "2"], dtype=object))) == [1.5, 2.0]
    with pytest.raises(BadRequest, match=r"row 2 .*'abc'"):
        parse_regression_labels(np.array(["1", "abc"], dtype=object))


def test_align_table_reorders_fills_and_ignores_extras():
    table = FeatureTable(
        np.array([[1, 2, 3], [4, 5, 6]], dtype=np.float32),
        ["b", "extra", "a"],
        {"color": np.array(["red", None], dtype=object), "junk": np.array(["x", "y"], dtype=object)},
    )
    out = align_table(table, ["a", "b", "missing"], ["color", "shape"])
    assert out.numeric_names == ["a", "b", "missing"]
    np.testing.assert_array_equal(out.numeric[:, :2], [[3, 1], [6, 4]])
    assert np.isnan(out.numeric[:, 2]).all()
    assert list(out.categorical) == ["color", "shape"]
    assert list(out.categorical["color"]) == ["red", None]
    assert list(out.categorical["shape"]) == [None, None]
