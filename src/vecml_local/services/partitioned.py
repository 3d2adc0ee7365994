"""Big collections trained in partitions on the Dask cluster (executor `dask` only).

A training job runs as one Dask task (`services/remote.py`). Before it starts, this module
looks at the job: when its collection holds more rows than a partition may
(`VECML_LOCAL_PARTITION_ROWS`, or by default a quarter of the smallest worker's memory
limit in vector bytes) and the job is one that trains in partitions, the job runs the
partitioned handler instead of the usual one:

- AutoML `high_speed` / `balanced` on dense vectors with no categorical feature, no
  validation dataset and no augmentation: `ml.automl.partitioned` (`lightgbm.dask`);
- k-means (either method; Lloyd's iterations) with Euclidean, Cosine or Inner Product
  distances on dense vectors: `ml.clustering.partitioned` (our kernels per partition, the
  sums reduced in this task).

Every other job, and every collection that fits, takes the usual path: its answer stays
the local one. The partitions are read by the workers themselves from the shared data dir
(`storage.partitions`), never through the HTTP API; only the plan (names and row ranges)
travels. The job's task secedes from its worker's thread pool (`worker_client`) while the
partition tasks run, so a one-thread worker can take partitions too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select

from ..errors import BadRequest
from ..jobs import JobContext
from ..storage import Collection, Job, Model
from ..storage.partitions import PartitionPlan, plan_partitions, read_partition
from ..storage.tables import Segment
from .automl_data import AUTOML_KIND
from .clustering_models import CLUSTERING_KIND, save_artifacts
from .models import Trained

__all__ = ["partitioned_handler", "partition_rows"]

log = logging.getLogger("vecml_local.jobs")

MEMORY_SHARE = 4  # a collection whose vectors exceed 1/4 of a worker's memory limit is split


@dataclass
class PartitionedInput:
    collection_name: str
    plan: PartitionPlan
    directory: Path  # where the model's files go


def partition_rows(configured: int, dim: int, worker_memory: list[int]) -> int | None:
    """Rows per partition: the setting, else what fits a quarter of the smallest worker's memory
    limit (None: no limit known, never split)."""
    if configured > 0:
        return configured
    limits = [m for m in worker_memory if m]
    if not limits:
        return None
    return max(1, min(limits) // MEMORY_SHARE // (4 * max(dim, 1)))


def _eligible(job: JobContext, collection: Collection) -> bool:
    p = job.payload
    if collection.vector_type != "dense":
        return False
    if job.kind == AUTOML_KIND:
        from ..ml.automl.augment import normalize_augmentation
        from ..ml.automl.partitioned import PARTITIONED_MODES

        wanted = p.get("categorical_features")
        wanted = list(collection.categorical_features or []) if wanted is None else wanted
        return (
            p.get("mode") in PARTITIONED_MODES
            and p.get("validation_id") is None
            and not [c for c in wanted if c != p.get("label_attribute")]
            and normalize_augmentation(p.get("data_augmentation")) == "off"
        )
    if job.kind == CLUSTERING_KIND and p.get("algorithm") == "kmeans":
        from ..ml.clustering.partitioned import supported

        return supported(p["params"].get("dist_type"))
    return False


def partitioned_handler(services: Any, job: JobContext) -> Any:
    """The handler for `job` when it trains in partitions, else None (the usual handler runs)."""
    if job.kind not in (AUTOML_KIND, CLUSTERING_KIND):
        return None
    with services.context.db.session() as session:
        collection = session.get(Collection, job.payload.get("collection_id"))
        if collection is None or not _eligible(job, collection):
            return None
        stored = session.scalar(
            select(func.coalesce(func.sum(Segment.num_rows), 0)).where(
                Segment.collection_id == collection.id, Segment.kind == "vectors"
            )
        )
        dim = int(collection.vector_dim)
    from distributed import get_client

    workers = get_client().scheduler_info().get("workers", {}).values()
    rows = partition_rows(services.context.settings.partition_rows, dim, [w.get("memory_limit", 0) for w in workers])
    if rows is None or int(stored) <= rows:
        return None
    log.info("job %s trains in partitions of %d rows (%d rows stored)", job.job_id, rows, stored)
    lifecycle = services.automl.models if job.kind == AUTOML_KIND else services.clustering.models
    train = _train_automl if job.kind == AUTOML_KIND else _train_kmeans

    def read(payload: dict[str, Any]) -> PartitionedInput:
        with services.context.db.session() as session:
            collection = session.get(Collection, payload["collection_id"])
            if collection is None or session.get(Model, payload["model_id"]) is None:
                raise BadRequest("The collection or model was deleted before training started")
            plan = plan_partitions(session, services.context.files, collection, rows)
            row = session.get(Job, job.seq)
            if row is not None:  # status answers show it next to the executor and worker
                row.payload = {**row.payload, "partitions": len(plan.partitions)}
            return PartitionedInput(collection.name, plan, services.context.files.model_dir(payload["model_id"]))

    return lambda context: lifecycle.run(context, lambda j, data: train(services, j, data), read=read)


# -- on a worker: one partition --------------------------------------------------------------


def _labelled_part(plan: PartitionPlan, index: int, label: str) -> tuple[np.ndarray, np.ndarray]:
    vectors, attributes = read_partition(plan, index, [label])
    return vectors, attributes[label]


def _vectors_part(plan: PartitionPlan, index: int) -> np.ndarray:
    return read_partition(plan, index, [])[0]


# -- in the job's task ------------------------------------------------------------------------


def _train_automl(services: Any, job: JobContext, data: PartitionedInput) -> Trained:
    from distributed import worker_client

    from ..ml.automl.partitioned import train_partitioned

    p, plan = job.payload, data.plan
    with worker_client() as client:
        shared = client.scatter(plan, broadcast=True)
        parts = [
            client.submit(_labelled_part, shared, i, p["label_attribute"], pure=False)
            for i in range(len(plan.partitions))
        ]
        model = train_partitioned(
            client,
            parts,
            task_type=p["task_type"],
            training_mode=p["mode"],
            numeric_names=plan.column_names,
            random_seed=int(p.get("random_seed") or 0),
            progress=job.report,
            should_stop=job.cancelled,
        )
    trained: Trained = services.automl.trained(job, model, data.directory, [])
    return trained


def _train_kmeans(services: Any, job: JobContext, data: PartitionedInput) -> Trained:
    from distributed import worker_client

    from ..ml.clustering.partitioned import fit_kmeans_partitioned
    from .clustering_models import kmeans_options, kmeans_outputs

    params, plan = job.payload["params"], data.plan

    def progress(fraction: float, message: str) -> None:
        job.report(0.05 + 0.9 * fraction, message)

    with worker_client() as client:
        shared = client.scatter(plan, broadcast=True)
        blocks = [client.submit(_vectors_part, shared, i, pure=False) for i in range(len(plan.partitions))]
        sizes = client.gather(client.map(len, blocks, pure=False))
        if sum(sizes) == 0:
            raise BadRequest("The collection has no vectors to cluster")
        job.report(0.05, f"kmeans on {sum(sizes)} vectors in {len(blocks)} partitions")
        r = fit_kmeans_partitioned(
            client,
            blocks,
            sizes,
            **kmeans_options(params),
            should_stop=job.cancelled,
            progress=progress,
        )
    arrays, info = kmeans_outputs(r)
    job.report(0.95, "saving the model")
    save_artifacts(data.directory, arrays)
    n = int(sum(sizes))
    info.update(algorithm="kmeans", num_vectors=n, vector_dim=plan.dim, partitions=len(blocks))
    return Trained(info, {"num_vectors": n, "n_clusters": info["n_clusters"], "partitions": len(blocks)})
