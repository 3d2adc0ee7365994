"""Big collections in partitions on a real `distributed.LocalCluster` (2 worker processes, 1 thread
each, no dashboard), the threshold lowered through VECML_LOCAL_PARTITION_ROWS: AutoML trains with
`lightgbm.dask` and matches the single-machine model's metric within noise; k-means runs our kernels
per partition and gives the local Lloyd's centroids from the same start."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.support import ServerProcess, new_key, wait_for_job

distributed = pytest.importorskip("distributed")
pytest.importorskip("lightgbm.dask")

pytestmark = pytest.mark.slow

ROWS, BATCH, DIM = 2000, 500, 8  # 4 segments of 500 rows = 4 partitions of VECML_LOCAL_PARTITION_ROWS=500


@pytest.fixture(scope="module")
def server(dask_cluster: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = ServerProcess(
        Path(tmp_path_factory.mktemp("partitions")),
        env={
            "VECML_LOCAL_EXECUTOR": "dask",
            "VECML_LOCAL_DASK_SCHEDULER": dask_cluster.scheduler_address,
            "VECML_LOCAL_PARTITION_ROWS": str(BATCH),
        },
    ).start()
    yield process
    process.stop()


def _wait(server: ServerProcess, key: str, job_id: str, endpoint: str) -> dict[str, Any]:
    status = wait_for_job(lambda e, b: server.post(e, b), key, job_id, endpoint, timeout=300.0)
    assert status["status"] == "finished", status
    return status


def _data(rows: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(5)
    X = rng.normal(size=(rows, DIM)).astype(np.float32)
    X[:, :2] += rng.integers(0, 3, size=(rows, 1)) * 2.5  # clumps for k-means to find
    y = (X[:, 0] - X[:, 1] + 0.5 * X[:, 2] ** 2 + 0.4 * rng.normal(size=rows) > 0.5).astype(int)
    return X, y


def _collection(server: ServerProcess, key: str, name: str, rows: int) -> tuple[dict[str, str], np.ndarray, np.ndarray]:
    X, y = _data(rows)
    where = {"user_api_key": key, "project_name": "P", "collection_name": name}
    server.ok("init", **where, vector_type="dense", vector_dim=DIM)
    for start in range(0, rows, BATCH):  # one segment per batch
        job = server.ok(
            "add_data_batch",
            **where,
            data=X[start : start + BATCH].tolist(),
            attributes=[{"y": int(v)} for v in y[start : start + BATCH]],
        )
        _wait(server, key, job["job_id"], "get_upload_data_status")
    return where, X, y


def test_automl_trains_in_partitions_with_the_single_machine_metric(server: ServerProcess, dask_cluster: Any) -> None:
    from vecml_local.ml.automl import FeatureTable, train_model

    key = new_key()
    server.ok("create_project", user_api_key=key, project_name="P", application="partitions")
    where, X, y = _collection(server, key, "big", ROWS)
    job = server.ok(
        "train_automl_model",
        **where,
        model_name="m",
        training_mode="high_speed",
        task_type="classification",
        label_attribute="y",
    )
    status = _wait(server, key, job["job_id"], "get_automl_training_status")
    assert status["partitions"] == 4 and status["executor"] == "dask"
    assert status["worker"] in dask_cluster.scheduler_info["workers"]
    partitioned = status["validation_metric"]

    names = [f"column {i}" for i in range(1, DIM + 1)]
    single = train_model(
        FeatureTable(X, names), y.astype(object), task_type="classification", training_mode="high_speed"
    ).validation_metric
    assert abs(partitioned["accuracy"] - single["accuracy"]) < 0.05, (partitioned, single)
    assert abs(partitioned["auc"] - single["auc"]) < 0.03, (partitioned, single)

    # the model is an ordinary saved model: it predicts its own collection about as well
    predictions = server.ok("automl_predict", **where, model_name="m", prediction_dataset="big")["predictions"]
    assert np.mean(np.asarray(predictions, dtype=int) == y) > single["accuracy"] - 0.05


def test_kmeans_per_partition_gives_the_local_centroids(server: ServerProcess) -> None:
    from vecml_local.ml.clustering.kmeans import fit_kmeans

    key = new_key()
    server.ok("create_project", user_api_key=key, project_name="P", application="partitions")
    where, X, _ = _collection(server, key, "big", ROWS)
    small, Xs, _ = _collection(server, key, "small", BATCH)  # at the threshold: the usual path
    params = {"n_clusters": 5, "random_seed": 11, "n_init": 2, "max_train_samples": 1500, "dist_type": "Euclidean"}
    for collection, data in ((where, X), (small, Xs)):
        job = server.ok("train_kmeans", **collection, cluster_model_name="km", **params)
        status = _wait(server, key, job["job_id"], "get_clustering_training_status")
        assert status.get("partitions") == (4 if data is X else None), status
        centroids = np.asarray(server.ok("get_kmeans_centroids", **collection, cluster_model_name="km")["centroids"])
        labels = server.ok("get_clustering_labels", **collection, cluster_model_name="km")["labels"]
        local = fit_kmeans(data, n_clusters=5, random_seed=11, n_init=2, max_train_samples=1500, num_threads=1)
        np.testing.assert_allclose(centroids, local.centroids, rtol=1e-4, atol=1e-4)
        assert np.mean(np.asarray(labels) == local.labels) > 0.999


@pytest.mark.parametrize(
    ("dist_type", "init", "max_train"),
    [("Euclidean", "k-means++", 10_000), ("NegativeCosineSimilarity", "random", 10_000), ("Euclidean", "random", 900)],
)
def test_partitioned_lloyd_equals_local_lloyd_from_the_same_start(
    dask_cluster: Any, dist_type: str, init: str, max_train: int
) -> None:
    """Directly on the algorithms: many iterations (no structure in the data), empty clusters (half the
    rows are one repeated point, so random starts repeat it), a training sample smaller than the data."""
    from vecml_local.ml.clustering.kmeans import fit_kmeans
    from vecml_local.ml.clustering.partitioned import fit_kmeans_partitioned

    rng = np.random.default_rng(3)
    X = rng.random((1200, 6)).astype(np.float32) + 0.1
    X[::2] = X[0]
    kwargs: dict[str, Any] = {
        "n_clusters": 6,
        "dist_type": dist_type,
        "n_init": 2,
        "max_train_samples": max_train,
        "initialization_method": init,
        "random_seed": 9,
        "tolerance": 0.0,
    }
    local = fit_kmeans(X, num_threads=1, **kwargs)
    with distributed.Client(dask_cluster.scheduler_address, set_as_default=False) as client:
        parts = np.array_split(X, 4)
        blocks = client.scatter(parts)
        partitioned = fit_kmeans_partitioned(client, blocks, [len(p) for p in parts], **kwargs)
    np.testing.assert_allclose(partitioned.centroids, local.centroids, rtol=1e-5, atol=1e-5)
    assert np.array_equal(partitioned.labels, local.labels)
    assert partitioned.n_iter == local.n_iter and partitioned.inertia == pytest.approx(local.inertia, rel=1e-6)


def test_a_distributed_lightgbm_fit_waits_for_the_one_running_on_the_cluster(dask_cluster: Any) -> None:
    """One distributed LightGBM fit per cluster: while another holds the cluster's lock, a fit
    waits (its progress says so) and starts once the lock is released."""
    import threading

    from vecml_local.ml.automl.partitioned import FIT_LOCK, train_partitioned

    X, y = _data(400)
    names = [f"column {i}" for i in range(1, DIM + 1)]
    messages: list[str] = []
    done = threading.Event()
    with distributed.Client(dask_cluster.scheduler_address) as client:  # the default client, as worker_client() is
        parts = client.scatter([(a, b.astype(object)) for a, b in zip(np.array_split(X, 2), np.array_split(y, 2))])
        holder = distributed.Lock(FIT_LOCK, scheduler_rpc=client.scheduler, loop=client.loop)
        assert holder.acquire(timeout=30)

        def fit() -> None:
            train_partitioned(
                client,
                parts,
                task_type="classification",
                training_mode="high_speed",
                numeric_names=names,
                progress=lambda fraction, message: messages.append(message),
            )
            done.set()

        worker = threading.Thread(target=fit, daemon=True)
        worker.start()
        try:
            deadline = time.monotonic() + 120
            while not any("waiting" in m for m in messages):
                assert time.monotonic() < deadline, messages
                time.sleep(0.05)  # polling interval
            assert not done.wait(2.0), "the fit ran while another held the cluster's LightGBM lock"
            assert not any("lightgbm.dask" in m for m in messages)
        finally:
            holder.release()
        assert done.wait(180), messages
        worker.join(timeout=10)
    assert any("lightgbm.dask" in m for m in messages)
