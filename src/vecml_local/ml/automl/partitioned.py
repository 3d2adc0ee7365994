"""AutoML `high_speed` / `balanced` on a collection too big for one worker: one LightGBM model
trained with `lightgbm.dask` over row partitions that stay on the Dask workers.

No search (it would multiply the distributed fits): the mode's first configuration
(`modes.HIGH_SPEED`, `modes.BALANCED_GRID[0]`) with a fixed number of rounds. Every
partition keeps a seeded share of its labelled rows out of training (`holdout`); the
validation metric is measured on those rows. `to_local()` turns the result into an ordinary
LightGBM booster, saved like any other model (no pickle).

LightGBM's tracker can hang when several distributed fits run at once, so fits take a
cluster-wide `distributed.Lock` (the rest queue on it); LightGBM picks its own ports.

`client` is a `distributed.Client`, and the default one (`lightgbm.dask` looks it up), as the
`worker_client()` of a job's task is; `parts` are futures of `(vectors float32 (n, d), labels
object (n,))`, one per partition.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from vecml_local.errors import BadRequest

from .. import Cancelled
from .encoding import TreeEncoder
from .labels import LabelCodec, is_missing_label, label_key, parse_regression_labels
from .lgbm import base_params, booster_from_string, predict_booster
from .metrics import classification_metrics, regression_metrics
from .model import LgbmMember, TrainedModel
from .modes import BALANCED_GRID, BALANCED_LEARNING_RATE, HIGH_SPEED

__all__ = ["train_partitioned", "PARTITIONED_MODES", "FIT_LOCK", "ROUNDS"]

Split = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # x_train, y_train, x_holdout, y_holdout

PARTITIONED_MODES = ("high_speed", "balanced")
ROUNDS = {"high_speed": 100, "balanced": 300}
FIT_LOCK = "vecml-local-lightgbm-fit"  # one distributed LightGBM fit per cluster at a time
HOLDOUT = 0.2
MAX_HOLDOUT_ROWS = 200_000


# -- what runs on a worker ------------------------------------------------------------------


def _label_keys(part: tuple[np.ndarray, np.ndarray]) -> set[str]:
    return {label_key(v) for v in part[1] if not is_missing_label(v)}


def _split(part: tuple[np.ndarray, np.ndarray], classes: list[str] | None, seed: int, holdout: float) -> Split:
    """(x_train, y_train, x_holdout, y_holdout) of the labelled rows, the holdout drawn by `seed`."""
    x, labels = part
    keep = np.fromiter((not is_missing_label(v) for v in labels), dtype=bool, count=len(labels))
    x, labels = np.asarray(x[keep], dtype=np.float32), labels[keep]
    if classes is not None:
        y = LabelCodec(classes).encode(labels).astype(np.float64)
    else:
        y = parse_regression_labels(labels)
    held = np.random.default_rng(seed).random(len(y)) < holdout
    return x[~held], y[~held], x[held], y[held]


def _count(part: tuple[np.ndarray, np.ndarray]) -> int:
    return len(part[1])


def _piece(split: Split, i: int) -> np.ndarray:
    return split[i]


def _sizes(split: Split) -> tuple[int, int]:
    return len(split[1]), len(split[3])


def _predict_holdout(split: Split, booster_text: str, task: str, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    booster = booster_from_string(booster_text)
    x = split[2]
    if len(x) == 0:
        width = () if task == "regression" else (n_classes,)
        return split[3], np.zeros((0, *width))
    return split[3], predict_booster(booster, x, task, n_classes)


# -- the client side -------------------------------------------------------------------------


def train_partitioned(
    client: Any,
    parts: list[Any],
    *,
    task_type: str,
    training_mode: str,
    numeric_names: list[str],
    random_seed: int = 0,
    holdout: float = HOLDOUT,
    progress: Callable[[float, str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TrainedModel:
    """Train one LightGBM model over the partitions (see the module docstring)."""
    import dask.array
    import distributed
    from dask.delayed import delayed
    from lightgbm.dask import DaskLGBMClassifier, DaskLGBMRegressor

    da: Any = dask.array  # untyped libraries
    Lock: Any = distributed.Lock

    started = time.monotonic()
    report = progress or (lambda fraction, message: None)
    if training_mode not in PARTITIONED_MODES:
        raise ValueError(f"training_mode {training_mode!r} does not train in partitions")
    task, seed = task_type, int(random_seed)
    codec = None
    if task == "classification":
        keys: set[str] = set()
        for found in client.gather(client.map(_label_keys, parts, pure=False)):
            keys |= found
        codec = LabelCodec.fit(np.array(sorted(keys), dtype=object))
        if len(codec.classes) < 2:
            raise BadRequest(f"label_attribute: classification needs 2 classes, the collection has {len(keys)}")
    n_classes = len(codec.classes) if codec else 0
    total = sum(client.gather(client.map(_count, parts, pure=False)))
    share = min(float(holdout), MAX_HOLDOUT_ROWS / max(total, 1))
    classes = codec.classes if codec else None
    splits = [client.submit(_split, part, classes, seed + i, share, pure=False) for i, part in enumerate(parts)]
    sizes = client.gather(client.map(_sizes, splits, pure=False))
    train_rows = sum(s[0] for s in sizes)
    if train_rows < 2:
        raise BadRequest(f"label_attribute: at least 2 labelled rows are needed to train, found {train_rows}")
    d = len(numeric_names)
    xs, ys, held = [], [], []  # `held`: the pieces' futures, kept alive until the fit is done
    for split, (n_train, _) in zip(splits, sizes):
        if n_train == 0:
            continue
        held += [client.submit(_piece, split, 0, pure=False), client.submit(_piece, split, 1, pure=False)]
        xs.append(da.from_delayed(delayed(held[-2]), (n_train, d), np.float32))
        ys.append(da.from_delayed(delayed(held[-1]), (n_train,), np.float64))
    X, y = da.concatenate(xs), da.concatenate(ys)

    params = {**base_params(task, n_classes, 1, seed)}
    for name in ("objective", "num_class", "metric", "num_threads", "seed"):
        params.pop(name, None)
    shape = (
        HIGH_SPEED if training_mode == "high_speed" else {"learning_rate": BALANCED_LEARNING_RATE, **BALANCED_GRID[0]}
    )
    params.update(shape)
    rounds = ROUNDS[training_mode]
    estimator = DaskLGBMClassifier if task == "classification" else DaskLGBMRegressor
    # threads per worker: LightGBM takes the worker's own thread count (it ignores n_jobs)
    model = estimator(client=client, n_estimators=rounds, random_state=seed, **params)
    lock = Lock(FIT_LOCK, scheduler_rpc=client.scheduler, loop=client.loop)
    report(0.1, "waiting for the cluster's LightGBM slot")
    while not lock.acquire(timeout=1.0):
        if should_stop is not None and should_stop():
            raise Cancelled("stopped on request")
    try:
        report(0.15, f"lightgbm.dask: {rounds} rounds on {train_rows} rows in {len(xs)} partitions")
        model.fit(X, y)
    finally:
        lock.release()
    if should_stop is not None and should_stop():
        raise Cancelled("stopped on request")
    if codec is not None and len(model.classes_) != n_classes:
        raise BadRequest("label_attribute: a class has too few rows to train on (all of them were held out)")
    booster = model.to_local().booster_
    report(0.9, "measuring the held-out rows")
    text = booster.model_to_string()
    shared = client.scatter(text, broadcast=True)
    answers = client.gather([client.submit(_predict_holdout, s, shared, task, n_classes, pure=False) for s in splits])
    y_true = np.concatenate([a[0] for a in answers])
    predicted = np.concatenate([a[1] for a in answers])
    if len(y_true) == 0:
        metric: dict[str, float] = {}
    elif task == "regression":
        metric = regression_metrics(y_true, predicted)
    else:
        metric = classification_metrics(y_true.astype(np.int64), np.argmax(predicted, axis=1), predicted, n_classes)
    member_params = {**params, "num_rounds": rounds}
    trained = TrainedModel(
        task,
        training_mode,
        "off",
        TreeEncoder(numeric_names, {}),
        codec,
        [LgbmMember(booster, member_params)],
        [1.0],
        validation_metric=metric,
        info={
            "validation": "holdout",
            "num_rows": int(train_rows + sum(s[1] for s in sizes)),
            "holdout_rows": int(len(y_true)),
            "partitions": len(parts),
            "distributed": "lightgbm.dask",
            "members": [{"kind": "lightgbm", "name": training_mode, "weight": 1.0, "num_rounds": rounds}],
            "train_seconds": round(time.monotonic() - started, 2),
        },
    )
    report(0.99, "trained")
    return trained
