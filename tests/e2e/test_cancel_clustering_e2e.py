"""Deleting a model whose k-means or HDBSCAN is running frees the CPU within 2 s (a real
server process; its CPU time, and that of the processes it started, stops growing)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import psutil
import pytest

from tests.support import ServerProcess, new_key, wait_for_job

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


@pytest.mark.slow
def test_deleting_a_kmeans_model_frees_the_cpu_within_two_seconds(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data").start()
    try:
        key = new_key()
        where = {"user_api_key": key, "project_name": "p", "collection_name": "c"}
        assert server.post("create_project", {"user_api_key": key, "project_name": "p"})["success"]
        assert server.post("init", {**where, "vector_type": "dense", "vector_dim": 16})["success"]
        X = np.random.default_rng(0).random((40_000, 16)).round(3)
        assert wait_for_job(server.post, key, server.post("add_data_batch", {**where, "data": X.tolist()})["job_id"])
        job = server.post(
            "train_kmeans",
            {
                **where,
                "cluster_model_name": "long",
                "n_clusters": 100,
                "n_init": 100,
                "max_iterations": 100000,
                "tolerance": 0,
                "max_train_samples": 40_000,
            },
        )
        status_of = {"user_api_key": key, "job_id": job["job_id"]}
        deadline = time.monotonic() + 300
        while True:  # wait until the iterations run (past any kernel compilation)
            status = server.post("get_clustering_training_status", status_of)
            assert status["status"] in ("pending", "in_progress"), status
            if "iteration" in (status.get("progress_message") or ""):
                break
            assert time.monotonic() < deadline, status
            time.sleep(0.1)  # polling interval
        assert server.post("delete_clustering_model", {**where, "model_name": "long"})["success"]
        deleted = time.monotonic()
        last, quiet_since = cpu_seconds(server.pid), None
        while time.monotonic() - deleted < 10:
            time.sleep(0.25)  # sampling interval of the CPU clock
            now_cpu = cpu_seconds(server.pid)
            busy = (now_cpu - last) / 0.25 > 0.2  # more than a fifth of a core
            last = now_cpu
            if busy:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= 1.0:
                break
        assert quiet_since is not None, "the server kept computing for 10 s after the delete"
        assert quiet_since - deleted < 2.0, f"CPU busy for {quiet_since - deleted:.1f} s after the delete"
        assert server.post("get_clustering_training_status", status_of)["status"] == "failed"
    finally:
        server.stop()


def cpu_by_process(pid: int) -> dict[int, float]:
    """CPU seconds of the server and of each process it started that is still alive."""
    server = psutil.Process(pid)
    times = {pid: sum(server.cpu_times()[:2])}
    for child in server.children(recursive=True):
        try:
            times[child.pid] = sum(child.cpu_times()[:2])
        except psutil.NoSuchProcess:
            pass
    return times


@pytest.mark.slow
def test_deleting_an_hdbscan_model_frees_the_cpu_within_two_seconds(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data", env={"VECML_LOCAL_WARMUP": "off"}).start()  # no other child
    try:
        key = new_key()
        where = {"user_api_key": key, "project_name": "p", "collection_name": "c"}
        assert server.post("create_project", {"user_api_key": key, "project_name": "p"})["success"]
        assert server.post("init", {**where, "vector_type": "dense", "vector_dim": 16})["success"]
        X = np.random.default_rng(0).random((20_000, 16)).round(3)  # HDBSCAN needs 10 s or more here
        assert wait_for_job(server.post, key, server.post("add_data_batch", {**where, "data": X.tolist()})["job_id"])
        job = server.post("train_hdbscan", {**where, "cluster_model_name": "long", "min_cluster_size": 5})
        status_of = {"user_api_key": key, "job_id": job["job_id"]}
        deadline = time.monotonic() + 120
        while not any("_hdbscan_child" in " ".join(p.cmdline()) for p in psutil.Process(server.pid).children()):
            status = server.post("get_clustering_training_status", status_of)
            assert status["status"] in ("pending", "in_progress"), status
            assert time.monotonic() < deadline, status
            time.sleep(0.1)  # polling interval
        assert "HDBSCAN" in server.post("get_clustering_training_status", status_of)["progress_message"]
        assert server.post("delete_clustering_model", {**where, "model_name": "long"})["success"]
        deleted = time.monotonic()
        last, quiet_since = cpu_by_process(server.pid), None
        while time.monotonic() - deleted < 10:
            time.sleep(0.25)  # sampling interval of the CPU clocks
            now_cpu = cpu_by_process(server.pid)
            used = sum(seconds - last[pid] for pid, seconds in now_cpu.items() if pid in last)
            used += sum(seconds for pid, seconds in now_cpu.items() if pid not in last)
            last = now_cpu
            if used / 0.25 > 0.2:  # more than a fifth of a core
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= 1.0:
                break
        assert quiet_since is not None, "the server or its HDBSCAN process kept computing for 10 s after the delete"
        assert quiet_since - deleted < 2.0, f"CPU busy for {quiet_since - deleted:.1f} s after the delete"
        assert server.post("get_clustering_training_status", status_of)["status"] == "failed"
        assert not [
            p for p in psutil.Process(server.pid).children(recursive=True) if "_hdbscan" in " ".join(p.cmdline())
        ]
    finally:
        server.stop()
