"""Scale-out benchmark: 8 concurrent small training jobs through the HTTP API, with the local
executor and with a 2-worker Dask cluster (`distributed.LocalCluster`, 1 thread per worker)
on this machine — then what N machines would give, on paper, from the measured costs.

    .venv/bin/python scripts/bench/scale_out.py [--jobs 8] [--rows 20000]

Each job is `train_automl_model` (`high_speed`) on its own collection of `--rows` x 16
(blobs, 4 classes), so jobs never wait for each other's collections. Reported: wall time
from the first submission to the last job finished, jobs per minute, the mean job duration
the status answers report, and the Dask overhead per job (wall time of a no-op task
round trip). On one 2-core machine the two executors should be about equal: Dask adds
transport, not cores. The projection for N worker machines assumes jobs are independent:
throughput(N) ≈ N x workers_per_machine / (job_seconds + overhead_seconds).

    .venv/bin/python scripts/bench/scale_out.py --partitioned [--table-rows 200000]

Partitioned training instead (docs/scale-out.md, "Big collections in partitions"): one table
of `--table-rows` x 20 in 4 partitions on the same 2-worker LocalCluster. AutoML `high_speed`
through `lightgbm.dask` (`ml.automl.partitioned`) against plain LightGBM with the same
parameters and rounds in one process with one thread (what one single-thread worker does
with the whole table), and k-means (8 clusters, every row a training row) per partition
(`ml.clustering.partitioned`) against our local Lloyd (one thread): seconds and the metric
of each. On one machine this measures the cost of
partitioning (transport, the reduce step), not a speed-up: the partitioned path exists for
collections that do not fit one worker's memory.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _server import ServerProcess, wait_for_job  # noqa: E402


def _seconds(duration: str) -> int:
    h, m, s = (int(part) for part in duration.split(":"))
    return h * 3600 + m * 60 + s


def _run(server: ServerProcess, jobs: int, rows: int) -> tuple[float, float]:
    rng = np.random.default_rng(0)
    key = "bench-scale-out"
    server.post("create_project", {"user_api_key": key, "project_name": "S", "application": "bench"})
    for i in range(jobs):
        where = {"user_api_key": key, "project_name": "S", "collection_name": f"c{i}"}
        X = rng.normal(size=(rows, 16)).astype(np.float32)
        y = rng.integers(0, 4, rows)
        X[:, 0] += 3 * y
        server.post("init", {**where, "vector_type": "dense", "vector_dim": 16})
        up = server.post("add_data_batch", {**where, "data": X.tolist(), "attributes": [{"y": int(v)} for v in y]})
        wait_for_job(lambda e, b: server.post(e, b), key, up["job_id"], timeout=600)
    start = time.perf_counter()
    ids = []
    for i in range(jobs):
        where = {"user_api_key": key, "project_name": "S", "collection_name": f"c{i}"}
        body = {
            **where,
            "model_name": "m",
            "training_mode": "high_speed",
            "task_type": "classification",
            "label_attribute": "y",
        }
        ids.append(server.post("train_automl_model", body)["job_id"])
    durations = []
    for job_id in ids:
        status = wait_for_job(lambda e, b: server.post(e, b), key, job_id, "get_automl_training_status", timeout=1800)
        assert status["status"] == "finished", status
        durations.append(_seconds(status["duration"]))
    return time.perf_counter() - start, float(np.mean(durations))


def _overhead(address: str) -> float:
    from distributed import Client

    with Client(address, set_as_default=False) as client:
        client.submit(int, 0, pure=False).result()
        start = time.perf_counter()
        for i in range(20):
            client.submit(int, i, pure=False).result()
        return (time.perf_counter() - start) / 20


def _partitioned(rows: int) -> None:
    import lightgbm as lgb
    from distributed import Client, LocalCluster

    from vecml_local.ml.automl.lgbm import base_params, predict_booster
    from vecml_local.ml.automl.metrics import classification_metrics
    from vecml_local.ml.automl.modes import HIGH_SPEED
    from vecml_local.ml.automl.partitioned import ROUNDS, train_partitioned
    from vecml_local.ml.clustering.kmeans import fit_kmeans
    from vecml_local.ml.clustering.partitioned import fit_kmeans_partitioned

    rng = np.random.default_rng(0)
    X = rng.normal(size=(rows, 20)).astype(np.float32)
    y = (X[:, :5].sum(axis=1) + 0.5 * X[:, 5] ** 2 + rng.normal(size=rows) > 0.5).astype(int)
    names = [f"column {i}" for i in range(1, 21)]
    out = []
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            parts = client.scatter([(a, b.astype(object)) for a, b in zip(np.array_split(X, 4), np.array_split(y, 4))])
            blocks = client.scatter(np.array_split(X, 4))
            sizes = [len(b) for b in np.array_split(X, 4)]
            start = time.perf_counter()
            model = train_partitioned(
                client, parts, task_type="classification", training_mode="high_speed", numeric_names=names
            )
            out.append(("AutoML high_speed, lightgbm.dask", time.perf_counter() - start, model.validation_metric))
            start = time.perf_counter()
            km = fit_kmeans_partitioned(client, blocks, sizes, n_clusters=8, n_init=1, max_train_samples=rows)
            seconds = time.perf_counter() - start
            out.append(("k-means (Lloyd), per partition", seconds, {"inertia": km.inertia, "n": km.n_iter}))
    held = np.random.default_rng(1).random(rows) < 0.2
    params = {**base_params("classification", 2, 1, 0), **HIGH_SPEED}
    start = time.perf_counter()
    booster = lgb.train(params, lgb.Dataset(X[~held], label=y[~held]), num_boost_round=ROUNDS["high_speed"])
    seconds = time.perf_counter() - start
    proba = predict_booster(booster, X[held], "classification", 2)
    metric = classification_metrics(y[held], np.argmax(proba, axis=1), proba, 2)
    out.append(("plain LightGBM, one process, 1 thread", seconds, metric))
    start = time.perf_counter()
    km = fit_kmeans(X, n_clusters=8, n_init=1, max_train_samples=rows, num_threads=1)
    out.append(
        ("k-means (Lloyd), local, 1 thread", time.perf_counter() - start, {"inertia": km.inertia, "n": km.n_iter})
    )
    print(f"one table of {rows:,} x 20 in 4 partitions, LocalCluster of 2 workers x 1 thread\n")
    print("| fit | seconds | accuracy / AUC or inertia |")
    print("|---|---|---|")
    for name, seconds, metric in out:
        shown = (
            f"{metric['accuracy']:.4f} / {metric['auc']:.4f}"
            if "accuracy" in metric
            else f"{metric['inertia']:.6g} ({metric['n']:.0f} iterations)"
        )
        print(f"| {name} | {seconds:.1f} | {shown} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--partitioned", action="store_true", help="partitioned vs single-worker fits of one table")
    parser.add_argument("--table-rows", type=int, default=200_000)
    args = parser.parse_args()
    if args.partitioned:
        _partitioned(args.table_rows)
        return
    from distributed import LocalCluster

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        local = ServerProcess(Path(tmp) / "local").start()
        try:
            results["local (2 job threads)"] = _run(local, args.jobs, args.rows)
        finally:
            local.stop()
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            env = {"VECML_LOCAL_EXECUTOR": "dask", "VECML_LOCAL_DASK_SCHEDULER": cluster.scheduler_address}
            dask = ServerProcess(Path(tmp) / "dask", env=env).start()
            try:
                results["dask (LocalCluster, 2 workers x 1 thread)"] = _run(dask, args.jobs, args.rows)
            finally:
                dask.stop()
            overhead = _overhead(cluster.scheduler_address)
    print(f"{args.jobs} concurrent high_speed trainings of {args.rows:,} x 16, one collection each\n")
    print("| executor | wall time | jobs / minute | mean job duration |")
    print("|---|---|---|---|")
    for name, (wall, mean) in results.items():
        print(f"| {name} | {wall:.1f} s | {60 * args.jobs / wall:.1f} | {mean:.1f} s |")
    job_seconds = results["dask (LocalCluster, 2 workers x 1 thread)"][1]
    print(f"\nDask round trip of a no-op task: {overhead * 1000:.1f} ms")
    print("\nProjection, 2 single-thread workers per machine, independent jobs:\n")
    print("| worker machines | jobs / minute |")
    print("|---|---|")
    for machines in (1, 2, 4, 8):
        rate = machines * 2 * 60 / (max(job_seconds, 1.0) + overhead)
        print(f"| {machines} | {rate:.1f} |")


if __name__ == "__main__":
    main()
