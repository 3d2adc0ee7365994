"""The clock: budgets respected, progress reported, cancellation honoured."""

from __future__ import annotations

import time

import numpy as np
import pytest

from vecml_local.ml import Cancelled
from vecml_local.ml.automl import train_model
from vecml_local.ml.automl.budget import MODE_BUDGETS, budget_seconds

from .conftest import as_labels, as_table, split


def test_time_model_grows_with_the_data_and_is_capped():
    for mode, (_, _, cap) in MODE_BUDGETS.items():
        small = budget_seconds(mode, 500, 10, 2)
        assert 0 < small < budget_seconds(mode, 5_000, 10, 2) <= cap
        # classes multiply the work of a round (one tree per class) ...
        assert budget_seconds(mode, 5_000, 10, 2) < budget_seconds(mode, 5_000, 10, 20) <= cap
        # ... and the caps hold for tables up to 100,000 x 100
        assert budget_seconds(mode, 100_000, 100, 100) == cap
    assert budget_seconds("high_speed", 100_000, 100, 2) <= 30
    assert budget_seconds("balanced", 100_000, 100, 2) <= 120
    assert budget_seconds("high_accuracy", 100_000, 100, 2) <= 600
    assert budget_seconds("high_accuracy", 1_347, 64, 10) < 120  # digits' training split


def test_slow_search_stops_at_its_budget_with_a_usable_model(digits):
    """high_accuracy on 10 classes wants minutes; given 3 s it stops and still predicts."""
    x, y = digits
    tr, te = split(len(y), 0)
    budget = 3.0
    started = time.monotonic()
    model = train_model(
        as_table(x[tr]), as_labels(y[tr]), task_type="classification", training_mode="high_accuracy",
        time_budget_seconds=budget,
    )  # fmt: skip
    elapsed = time.monotonic() - started
    # one boosting round of 10 trees and the metrics may run past the end on a loaded host
    assert elapsed < budget + 2.5, elapsed
    assert model.info["time_budget_seconds"] == budget and model.info["budget_reached"] is True
    accuracy = float(np.mean(np.array(model.predict(as_table(x[te]))) == y[te]))
    assert accuracy > 0.5, accuracy  # chance is 0.1
    assert 0.5 < model.validation_metric["accuracy"] <= 1.0


def test_progress_rises_to_one_with_messages_and_eta(breast_cancer):
    x, y = breast_cancer
    seen: list[tuple[float, str, float]] = []

    def report(fraction: float, message: str = "", eta_seconds: float | None = None) -> None:
        seen.append((fraction, message, eta_seconds))

    train_model(as_table(x), as_labels(y), task_type="classification", training_mode="balanced", progress=report)
    fractions = [f for f, _, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and fractions[0] < 0.5
    assert any(m.startswith("candidate ") and ", fold " in m for _, m, _ in seen)
    assert any(m.startswith("refit ") for _, m, _ in seen)
    assert all(eta is not None and eta >= 0 for _, _, eta in seen) and seen[-1][2] == 0.0


def test_progress_without_eta_parameter(wine):
    x, y = wine
    calls: list[tuple[float, str]] = []
    train_model(
        as_table(x), as_labels(y), task_type="classification", training_mode="high_speed",
        progress=lambda fraction, message: calls.append((fraction, message)),
    )  # fmt: skip
    assert calls[-1] == (1.0, "done")


def test_should_stop_cancels(wine):
    x, y = wine
    asked = []

    def should_stop() -> bool:
        asked.append(1)
        return len(asked) > 2

    with pytest.raises(Cancelled):
        train_model(
            as_table(x), as_labels(y), task_type="classification", training_mode="balanced", should_stop=should_stop
        )


@pytest.mark.slow
def test_many_classes_finish_inside_the_mode_budget():
    from sklearn.datasets import make_classification

    x, y = make_classification(
        n_samples=3_000, n_features=16, n_informative=12, n_classes=25, n_clusters_per_class=1, random_state=0
    )
    started = time.monotonic()
    model = train_model(as_table(x), as_labels(y), task_type="classification", training_mode="balanced")
    elapsed = time.monotonic() - started
    budget = budget_seconds("balanced", 3_000, 16, 25)
    assert model.info["time_budget_seconds"] == round(budget, 1)
    # the last boosting round (25 trees) and the metrics may run past the end on a loaded host
    assert elapsed < 1.1 * budget + 2.0, (elapsed, budget, model.info)
    assert model.validation_metric["accuracy"] > 0.3  # chance is 0.04


def test_ensemble_is_never_worse_than_its_best_member():
    """high_accuracy's guarantee over its balanced stage: the greedy ensemble starts from
    the best candidate on the shared rows and only takes steps that lower the loss."""
    from vecml_local.ml.automl.search import Candidate, greedy_ensemble, loss

    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 300)
    problem = type("P", (), {"task": "classification", "y": y})()
    rows = np.arange(100, 300)  # only these rows were scored (a split left out)
    cands = []
    for i in range(5):
        oof = rng.dirichlet(np.ones(3), 300) * 0.5
        oof[np.arange(300), y] += 0.1 * i  # better and better
        oof /= oof.sum(axis=1, keepdims=True)
        oof[:100] = 0.0  # unscored rows must not count
        cands.append(Candidate(f"c{i}", "lightgbm", {}, oof, loss("classification", y[rows], oof[rows]), scored=rows))
    counts = greedy_ensemble(problem, cands)
    blend = sum(cands[i].oof * c for i, c in counts.items()) / sum(counts.values())
    assert loss("classification", y[rows], blend[rows]) <= min(c.loss for c in cands) + 1e-12
    assert 4 in counts  # the best single candidate is the starting point
