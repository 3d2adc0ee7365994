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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
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
