"""The selection rule: a challenger replaces the reference (LightGBM's defaults for
`balanced`, balanced's choice for `high_accuracy`) only when it is clearly better on
the same rows, in the loss and, for classification, in the error rate too."""

from __future__ import annotations

import numpy as np
import pytest

from vecml_local.ml.automl import train_model
from vecml_local.ml.automl.modes import DEFAULTS_ROUNDS, choose_balanced, ensemble_or_reference
from vecml_local.ml.automl.search import Candidate, loss
from vecml_local.ml.automl.select import gain, noise_z, prefer_reference

from .conftest import as_labels, as_table


def _proba(y: np.ndarray, right: np.ndarray, confidence: float, k: int = 2) -> np.ndarray:
    """Class probabilities: `confidence` on the true class where `right`, on another class elsewhere."""
    out = np.full((len(y), k), (1.0 - confidence) / (k - 1))
    wrong = (y + 1) % k
    out[np.arange(len(y)), np.where(right, y, wrong)] = confidence
    return out


def _problem(task: str, y: np.ndarray):
    return type("P", (), {"task": task, "y": y})()


def _cand(name: str, task: str, y: np.ndarray, oof: np.ndarray) -> Candidate:
    return Candidate(name, "lightgbm", {}, oof, loss(task, y, oof), rounds=100)


def test_the_bar_rises_with_the_number_of_challengers():
    assert 1.2 < noise_z(1) < noise_z(5) < noise_z(15) < 2.6


def test_a_gain_within_the_noise_keeps_the_reference():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    right = rng.random(400) < 0.8
    ref = _proba(y, right, 0.7)
    flip = right.copy()
    flip[np.flatnonzero(~right)[:1]] = True  # 1 row of 400 more right
    assert gain("classification", y, ref, _proba(y, flip, 0.7)).loss_gain > 0
    assert prefer_reference("classification", y, ref, _proba(y, flip, 0.7))


def test_a_clear_gain_in_loss_and_error_replaces_the_reference():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 400)
    right = rng.random(400) < 0.7
    better = right | (rng.random(400) < 0.6)  # most wrong rows become right
    assert not prefer_reference("classification", y, _proba(y, right, 0.7), _proba(y, better, 0.7))


def test_a_calibration_only_gain_keeps_the_reference():
    """Less confident predictions lower the log-loss but change no predicted class."""
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 2000)
    right = rng.random(2000) < 0.8
    overconfident, calibrated = _proba(y, right, 0.99), _proba(y, right, 0.8)
    g = gain("classification", y, overconfident, calibrated)
    assert g.loss_gain > 10 * g.standard_error and g.error_gain == 0.0
    assert prefer_reference("classification", y, overconfident, calibrated)


def test_regression_needs_a_clear_gain_in_squared_error():
    rng = np.random.default_rng(3)
    y = rng.normal(size=1000)
    ref = y + rng.normal(scale=1.0, size=1000)
    shuffled = y + rng.permutation(ref - y)  # the same errors on other rows: equally good
    assert prefer_reference("regression", y, ref, shuffled)
    assert not prefer_reference("regression", y, ref, y + rng.normal(scale=0.5, size=1000))


def test_balanced_keeps_the_defaults_unless_another_candidate_is_clearly_better():
    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, 600)
    right = rng.random(600) < 0.8
    defaults = _cand(f"lightgbm_defaults_{DEFAULTS_ROUNDS}_rounds", "classification", y, _proba(y, right, 0.75))
    near = right.copy()
    near[np.flatnonzero(~right)[:1]] = True
    close = _cand("balanced_1", "classification", y, _proba(y, near, 0.75))
    problem = _problem("classification", y)
    assert close.loss < defaults.loss
    assert choose_balanced(problem, [close, defaults]) is defaults
    clear = _cand("balanced_2", "classification", y, _proba(y, right | (rng.random(600) < 0.7), 0.75))
    assert choose_balanced(problem, [close, defaults, clear]) is clear


def test_high_accuracy_keeps_balanceds_choice_when_the_ensemble_gain_is_noise():
    rng = np.random.default_rng(5)
    y = rng.normal(size=500)
    problem = _problem("regression", y)
    reference = _cand("balanced", "regression", y, y + rng.normal(scale=1.0, size=500))
    twin = _cand("twin", "regression", y, reference.oof + rng.normal(scale=0.05, size=500))
    chosen, weights, oof = ensemble_or_reference(problem, [reference, twin], reference)
    assert chosen == [reference] and weights == [1.0] and oof is reference.oof
    strong = _cand("strong", "regression", y, y + rng.normal(scale=0.3, size=500))
    chosen, _, oof = ensemble_or_reference(problem, [reference, twin, strong], reference)
    assert strong in chosen and loss("regression", y, oof) < reference.loss


@pytest.mark.slow
def test_balanced_within_the_noise_is_exactly_lightgbm_defaults():
    """When every configuration classifies (almost) every row right, none is clearly
    better in the error rate, so `balanced` returns LightGBM's defaults: the same
    probabilities as `LGBMClassifier()`."""
    import lightgbm as lgb
    from sklearn.datasets import load_breast_cancer

    x, _ = load_breast_cancer(return_X_y=True)
    y = (x[:, 0] > np.median(x[:, 0])).astype(int)  # one split separates the classes
    model = train_model(as_table(x), as_labels(y), task_type="classification", training_mode="balanced")
    assert [m["name"] for m in model.info["members"]] == [f"lightgbm_defaults_{DEFAULTS_ROUNDS}_rounds"]
    ours = model.predict_with_proba(as_table(x))[1]
    theirs = lgb.LGBMClassifier(verbose=-1).fit(x.astype(np.float32), y).predict_proba(x.astype(np.float32))
    classes = [int(c) for c in model.classes]
    assert np.allclose(np.asarray(ours)[:, np.argsort(classes)], theirs, atol=1e-6)
