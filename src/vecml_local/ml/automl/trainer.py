"""`train_model`: validate inputs, run the mode's search against the clock, refit
on all rows inside the same budget, measure the validation metric.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from vecml_local.errors import BadRequest

from .augment import normalize_augmentation
from .budget import Clock, budget_seconds
from .encoding import LinearEncoder, TreeEncoder
from .labels import LabelCodec, is_missing_label, parse_regression_labels
from .lgbm import default_threads, effective_threads
from .linear import fit_linear
from .metrics import classification_metrics, compute_metrics, regression_metrics
from .model import ConstantMember, LgbmMember, LinearMember, TrainedModel
from .modes import Choice, normalize_training_mode, run_mode
from .race import refit_booster
from .search import Candidate, Problem
from .table import FeatureTable, align_table, check_table, subset_rows

__all__ = ["train_model", "normalize_task_type"]


def normalize_task_type(value: object) -> str:
    text = str(value or "").strip().lower()
    if text not in ("classification", "regression"):
        raise BadRequest(f"task_type must be 'classification' or 'regression', not {str(value)[:40]!r}")
    return text


def _labelled(table: FeatureTable, labels: Any, what: str) -> tuple[FeatureTable, np.ndarray]:
    table = check_table(table, what)
    labels = np.asarray(labels, dtype=object).reshape(-1)
    if len(labels) != table.n_rows:
        raise BadRequest(f"{what}: {len(labels)} labels for {table.n_rows} rows")
    keep = np.array([not is_missing_label(v) for v in labels], dtype=bool)
    if not keep.all():
        table, labels = subset_rows(table, keep), labels[keep]
    return table, labels


def train_model(
    train: FeatureTable,
    labels: Any,
    *,
    task_type: str,
    training_mode: str = "balanced",
    data_augmentation: str = "off",
    validation: tuple[FeatureTable, Any] | None = None,
    num_threads: int | None = None,
    random_seed: int = 0,
    time_budget_seconds: float | None = None,
    progress: Callable[..., None] | None = None,  # (fraction, message[, eta_seconds=])
    should_stop: Callable[[], bool] | None = None,
) -> TrainedModel:
    """Train a model (see docs/automl-modes.md). Rows without a label are left out.

    The mode's time model sets the budget unless `time_budget_seconds` is given.
    `progress(fraction, message)` (also given `eta_seconds=` when it takes it) is
    called as the work goes; `should_stop()` turning true raises `ml.Cancelled`.
    """
    import lightgbm  # noqa: F401  (imported before the clock starts: the first import in a fresh
    import sklearn.model_selection  # noqa: F401  server took ~10 s on a loaded host, a whole small budget)

    started = time.monotonic()
    task = normalize_task_type(task_type)
    mode = normalize_training_mode(training_mode)
    level = normalize_augmentation(data_augmentation)
    threads = default_threads(num_threads)
    table, labels = _labelled(train, labels, "training data")
    if len(labels) < 2:
        raise BadRequest(f"label_attribute: at least 2 labelled rows are needed to train, found {len(labels)}")
    if table.numeric.shape[1] + len(table.categorical) == 0:
        raise BadRequest("training data has no features")
    codec = LabelCodec.fit(labels) if task == "classification" else None
    y = codec.encode(labels) if codec else parse_regression_labels(labels)
    encoder = TreeEncoder.fit(table)
    x = encoder.transform(table)
    problem = Problem(
        task=task,
        n_classes=len(codec.classes) if codec else 0,
        x=x,
        y=y,
        table=table,
        cat_idx=encoder.categorical_indices,
        n_numeric=table.numeric.shape[1],
        augmentation=level,
        threads=effective_threads(threads, x.size),
        seed=int(random_seed),
    )
    seconds = time_budget_seconds or budget_seconds(mode, len(y), x.shape[1], problem.n_classes)
    clock = Clock(seconds, progress, should_stop, start=started)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=problem.threads):
        model = _train(problem, codec, encoder, mode, level, validation, clock)
    model.info.update(
        time_budget_seconds=round(clock.seconds, 1),
        train_seconds=round(clock.elapsed(), 2),
        budget_reached=clock.reached,
    )
    clock.finish()
    return model


def _train(
    problem: Problem,
    codec: LabelCodec | None,
    encoder: TreeEncoder,
    mode: str,
    level: str,
    validation: tuple[FeatureTable, Any] | None,
    clock: Clock,
) -> TrainedModel:
    task, y = problem.task, problem.y
    members: list[LgbmMember | LinearMember | ConstantMember]
    if codec is not None and len(codec.classes) == 1:
        members, weights, oof = [ConstantMember(np.ones(1))], [1.0], np.ones((len(y), 1))
        scored = None
        info: dict[str, Any] = {"members": [{"kind": "constant"}]}
    else:
        chosen, weights, oof = run_mode(mode, problem, clock)
        chosen, weights, oof = _affordable(problem, chosen, weights, oof, clock)
        scored = chosen[0].scored
        info = {"search_seconds": round(clock.elapsed(), 2)}
        members = []
        for i, c in enumerate(chosen):
            clock.report(0.9 + 0.09 * i / len(chosen), f"refit {i + 1} of {len(chosen)} on all rows", force=True)
            members.append(_refit(problem, c, clock, info))
        info["members"] = [_describe(c, w) for c, w in zip(chosen, weights)]
    model = TrainedModel(task, mode, level, encoder, codec, members, weights, info=info)
    if validation is not None:
        model.validation_metric = _validate(model, validation)
        info["validation"] = "dataset"
    else:
        if scored is not None:
            model.validation_metric = _oof_metric(problem, oof, scored)
            info["validation"] = "holdout"
        else:
            model.validation_metric = _oof_metric(problem, oof)
            info["validation"] = "cross_validation"
    info["num_rows"] = int(len(y))
    return model


def _refit_seconds(problem: Problem, c: Candidate) -> float:
    return c.row_seconds * len(problem.y) * c.rounds if c.kind == "lightgbm" else 0.0


def _affordable(
    problem: Problem, chosen: list[Candidate], weights: list[float], oof: np.ndarray, clock: Clock
) -> Choice:
    """An ensemble whose refit would overrun the budget falls back to its best member
    (whose validation loss is the ensemble's starting point, never worse than the rest)."""
    if len(chosen) > 1 and sum(_refit_seconds(problem, c) for c in chosen) > clock.refit_end - clock.now():
        clock.reached = True
        best = min(chosen, key=lambda c: c.loss)
        return [best], [1.0], best.oof
    return chosen, weights, oof


def _refit(problem: Problem, c: Candidate, clock: Clock, info: dict[str, Any]) -> LgbmMember | LinearMember:
    if c.kind == "lightgbm":
        train_set, _ = problem.lgb_train_valid(np.arange(len(problem.y)), None, 10_000)
        booster, rounds = refit_booster(c.params, train_set, c.rounds, clock)
        if rounds < c.rounds:  # the budget ran out: fewer rounds than validated
            info.setdefault("refit_truncated", []).append({"name": c.name, "rounds": rounds, "planned": c.rounds})
            c.rounds = rounds
        return LgbmMember(booster, c.params)
    encoder = LinearEncoder.fit(problem.table)
    xl = encoder.transform(problem.table)
    xl, yl = problem.augmented(xl, problem.y, xl.shape[1], 10_000)
    fit = fit_linear(xl, yl, problem.task, problem.n_classes, c.strength, problem.seed)
    return LinearMember(encoder, fit.coef, fit.intercept, fit.strength)


def _describe(c: Candidate, weight: float) -> dict[str, Any]:
    keep = {k: v for k, v in c.params.items() if k not in ("num_threads", "verbosity", "seed")}
    out: dict[str, Any] = {"kind": c.kind, "name": c.name, "weight": weight, "cv_loss": c.loss}
    if c.kind == "lightgbm":
        out.update(params=keep, num_rounds=c.rounds)
    else:
        out["strength"] = c.strength
    return out


def _oof_metric(problem: Problem, oof: np.ndarray, rows: np.ndarray | None = None) -> dict[str, float]:
    y = problem.y if rows is None else problem.y[rows]
    oof = oof if rows is None else oof[rows]
    if problem.task == "regression":
        return regression_metrics(y, oof)
    return classification_metrics(y, np.argmax(oof, axis=1), oof, oof.shape[1])


def _validate(model: TrainedModel, validation: tuple[FeatureTable, Any]) -> dict[str, float]:
    table, labels = _labelled(validation[0], validation[1], "validation_dataset")
    if table.numeric.shape[1] != len(model.numeric_names):
        raise BadRequest(
            f"validation_dataset: vector dimension {table.numeric.shape[1]} differs from the "
            f"training data's {len(model.numeric_names)}"
        )
    if len(labels) == 0:
        raise BadRequest("validation_dataset has no labelled rows")
    table = align_table(table, model.numeric_names, model.categorical_names)
    if model.task_type == "regression":
        truth = parse_regression_labels(labels, "validation_dataset")
        return regression_metrics(truth, np.asarray(model.predict(table)))
    preds, proba = model.predict_with_proba(table)
    return compute_metrics("classification", labels, preds, proba, model.classes)
