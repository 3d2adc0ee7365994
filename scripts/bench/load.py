"""Load test: N concurrent clients against a running server for a bounded time, then checks.

Each client has its own key, project and collection, and loops over a realistic mix:
`add_data_batch` of 1,000 x 32 into its collection, status polls, `get_collection_info`,
small k-means and AutoML (`high_speed`) trainings, predictions, and uploads into a scratch
collection deleted while its jobs are still queued or running. After the time is up the
queue drains and the checks run:

- every accepted batch of a finished upload job is stored exactly once (counts add up);
- no job is left `pending` or `in_progress` once the queue drains;
- no answer was a 5xx, no request failed at the transport level (no deadlock: every call
  has a timeout).

    python scripts/bench/load.py --clients 24 --seconds 60              # starts its own server
    python scripts/bench/load.py --url http://127.0.0.1:8780 --seconds 60

Prints throughput and the status endpoint's p50/p99, and exits 1 when a check fails.
`run_load()` is also what `tests/api/test_load.py` runs, shorter.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np

DIM = 32
TERMINAL = ("finished", "failed")
RATE_LIMITED = "Request limit reached, please try again later"


@dataclass
class Report:
    clients: int
    seconds: float
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    by_endpoint: Counter = field(default_factory=Counter)
    status_latencies: list[float] = field(default_factory=list)
    transport_errors: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    count_mismatches: list[str] = field(default_factory=list)
    stuck_jobs: list[str] = field(default_factory=list)
    jobs: Counter = field(default_factory=Counter)
    rate_limited: int = 0
    vectors_stored: int = 0
    drain_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not (self.transport_errors or self.server_errors or self.count_mismatches or self.stuck_jobs)

    def percentile(self, q: float) -> float:
        values = sorted(self.status_latencies)
        if not values:
            return 0.0
        return values[min(len(values) - 1, int(q * len(values)))] * 1000

    def summary(self) -> dict[str, Any]:
        return {
            "clients": self.clients,
            "seconds": round(self.seconds, 1),
            "requests": self.requests,
            "requests_per_second": round(self.requests / self.seconds, 1) if self.seconds else 0,
            "vectors_stored": self.vectors_stored,
            "vectors_per_second": round(self.vectors_stored / self.seconds) if self.seconds else 0,
            "status_p50_ms": round(self.percentile(0.50), 1),
            "status_p99_ms": round(self.percentile(0.99), 1),
            "status_polls": len(self.status_latencies),
            "http_statuses": dict(sorted(self.statuses.items())),
            "jobs": dict(self.jobs),
            "rate_limited": self.rate_limited,
            "drain_seconds": round(self.drain_seconds, 1),
            "transport_errors": self.transport_errors[:5],
            "server_errors": self.server_errors[:5],
            "count_mismatches": self.count_mismatches[:5],
            "stuck_jobs": self.stuck_jobs[:5],
            "ok": self.ok,
        }


class Client:
    def __init__(self, base: str, index: int, report: Report, lock: threading.Lock, seed: int) -> None:
        self.base = base.rstrip("/")
        self.key = f"load-{index}-{os.getpid()}-{seed}"
        self.report, self.lock = report, lock
        self.http = httpx.Client(timeout=120)
        self.rng = np.random.default_rng(seed + index)
        self.random = random.Random(seed + index)
        self.uploads: list[str] = []  # upload jobs into the main collection
        self.other_jobs: list[tuple[str, str]] = []  # (status endpoint, job id)
        self.model_ready = False

    def call(self, endpoint: str, **body: Any) -> tuple[int, Any]:
        started = time.perf_counter()
        try:
            response = self.http.post(f"{self.base}/api/{endpoint}", json={"user_api_key": self.key, **body})
        except httpx.HTTPError as error:
            with self.lock:
                self.report.transport_errors.append(f"{endpoint}: {type(error).__name__}: {error}")
            return 0, None
        elapsed = time.perf_counter() - started
        try:
            answer = response.json()
        except ValueError:
            answer = response.text
        with self.lock:
            self.report.requests += 1
            self.report.statuses[response.status_code] += 1
            self.report.by_endpoint[endpoint] += 1
            if endpoint.startswith("get_") and endpoint.endswith("_status"):
                self.report.status_latencies.append(elapsed)
            if response.status_code >= 500:
                self.report.server_errors.append(f"{endpoint}: {response.status_code} {str(answer)[:200]}")
            if answer == RATE_LIMITED:
                self.report.rate_limited += 1
        return response.status_code, answer

    def setup(self) -> None:
        self.call("create_project", project_name="load", application="load test")
        for name in ("main", "scratch"):
            self.call("init", project_name="load", collection_name=name, vector_type="dense", vector_dim=DIM)

    def batch(self, rows: int = 1000) -> dict[str, Any]:
        vectors = self.rng.normal(size=(rows, DIM)).round(4)
        labels = [{"label": "a" if v[0] > 0 else "b"} for v in vectors]
        return {"data": vectors.tolist(), "attributes": labels}

    def step(self) -> None:
        roll = self.random.random()
        if roll < 0.35 or not self.uploads:
            code, answer = self.call("add_data_batch", project_name="load", collection_name="main", **self.batch())
            if code == 200:
                self.uploads.append(answer["job_id"])
        elif roll < 0.55:
            self.call("get_upload_data_status", job_id=self.random.choice(self.uploads))
        elif roll < 0.65:
            self.call("get_collection_info", project_name="load", collection_name="main")
        elif roll < 0.72:
            name = f"km{self.random.randrange(1000)}"
            code, answer = self.call(
                "train_kmeans", project_name="load", collection_name="main", cluster_model_name=name,
                n_clusters=4, max_iterations=10, max_train_samples=2000,
            )  # fmt: skip
            if code == 200:
                self.other_jobs.append(("get_clustering_training_status", answer["job_id"]))
        elif roll < 0.77 and not self.model_ready:
            code, answer = self.call(
                "train_automl_model", project_name="load", collection_name="main", model_name="m",
                training_mode="high_speed", task_type="classification", label_attribute="label",
            )  # fmt: skip
            if code == 200:
                self.other_jobs.append(("get_automl_training_status", answer["job_id"]))
                self.model_ready = True  # one model per client; predictions below once it is ready
        elif roll < 0.85 and self.model_ready:
            rows = "\n".join(",".join(f"{x:.3f}" for x in row) for row in self.rng.normal(size=(5, DIM)))
            self.call(
                "automl_predict", project_name="load", collection_name="main", model_name="m",
                file_format="csv", has_field_names=False, file_data=base64.b64encode(rows.encode()).decode(),
            )  # fmt: skip
        else:
            # Uploads into a scratch collection, deleted while its jobs are queued or running.
            for _ in range(2):
                code, answer = self.call(
                    "add_data_batch", project_name="load", collection_name="scratch", **self.batch()
                )
                if code == 200:
                    self.other_jobs.append(("get_upload_data_status", answer["job_id"]))
            self.call("delete_collection", project_name="load", collection_name="scratch")
            self.call("init", project_name="load", collection_name="scratch", vector_type="dense", vector_dim=DIM)

    def run(self, deadline: float) -> None:
        try:
            self.setup()
            while time.monotonic() < deadline:
                self.step()
        except Exception as error:  # noqa: BLE001 - recorded, the run goes on
            with self.lock:
                self.report.transport_errors.append(f"client {self.key}: {type(error).__name__}: {error}")

    def drain_and_check(self, deadline: float) -> None:
        finished_uploads = 0
        jobs = [("get_upload_data_status", job) for job in self.uploads] + self.other_jobs
        for endpoint, job in jobs:
            while True:
                code, answer = self.call(endpoint, job_id=job)
                status = answer.get("status") if isinstance(answer, dict) else None
                if status in TERMINAL or code == 404:  # 404: its collection was deleted with it
                    break
                if time.monotonic() > deadline:
                    with self.lock:
                        self.report.stuck_jobs.append(f"{job}: still {status!r}")
                    break
                time.sleep(0.2)  # polling interval while the queue drains
            with self.lock:
                self.report.jobs[f"{endpoint.removeprefix('get_').removesuffix('_status')}:{status or code}"] += 1
            if endpoint == "get_upload_data_status" and job in self.uploads and status == "finished":
                finished_uploads += 1
        code, info = self.call("get_collection_info", project_name="load", collection_name="main")
        stored = int(info.get("num_vectors", -1)) if isinstance(info, dict) else -1
        with self.lock:
            self.report.vectors_stored += max(stored, 0)
            if stored != 1000 * finished_uploads:
                self.report.count_mismatches.append(
                    f"{self.key}: {stored} vectors stored, {finished_uploads} finished batches of 1000"
                )


def run_load(base_url: str, clients: int, seconds: float, drain_timeout: float = 300.0, seed: int = 0) -> Report:
    report = Report(clients=clients, seconds=seconds)
    lock = threading.Lock()
    workers = [Client(base_url, i, report, lock, seed) for i in range(clients)]
    started = time.monotonic()
    threads = [threading.Thread(target=c.run, args=(started + seconds,), daemon=True) for c in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 300)
        if thread.is_alive():
            report.transport_errors.append("a client did not return within 300 s after the end: deadlock?")
    report.seconds = time.monotonic() - started
    drain_started = time.monotonic()
    checkers = [threading.Thread(target=c.drain_and_check, args=(drain_started + drain_timeout,)) for c in workers]
    for thread in checkers:
        thread.start()
    for thread in checkers:
        thread.join(drain_timeout + 120)
    report.drain_seconds = time.monotonic() - drain_started
    return report


def _start_server(data_dir: Path, env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, "-m", "vecml_local", "serve", "--port", "0", "--data-dir", str(data_dir)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("Ready. API at "):
            base = line.split("Ready. API at ", 1)[1].strip().removesuffix("/api")
            threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()  # type: ignore[union-attr]
            return process, base
    raise RuntimeError("the server did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running server (default: start one on a temporary data dir)")
    parser.add_argument("--clients", type=int, default=24)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--drain-timeout", type=float, default=300)
    parser.add_argument("--database-url", help="metadata database for the server this starts (default SQLite)")
    args = parser.parse_args()
    process = None
    base = args.url
    with tempfile.TemporaryDirectory(prefix="vecml-load-") as temp:
        if base is None:
            env = {**os.environ, "VECML_LOCAL_LOG_LEVEL": "warning"}
            if args.database_url:
                env["VECML_LOCAL_DATABASE_URL"] = args.database_url
            process, base = _start_server(Path(temp) / "data", env)
        try:
            report = run_load(base, args.clients, args.seconds, args.drain_timeout)
        finally:
            if process is not None:
                process.terminate()
                process.wait(timeout=60)
    print(json.dumps(report.summary(), indent=2))
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
