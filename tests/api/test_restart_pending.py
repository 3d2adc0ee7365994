"""Jobs a stopped server left pending run after a restart, with every kind's real handler."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vecml_local.config import Settings
from vecml_local.schemas.automl import TrainAutomlModelRequest
from vecml_local.schemas.clustering import TrainKmeansRequest
from vecml_local.schemas.collections import GetCollectionInfoRequest, InitRequest
from vecml_local.schemas.data import AddDataBatchRequest
from vecml_local.schemas.projects import CreateProjectRequest
from vecml_local.services import Services, Tenant

TENANT = Tenant("f" * 64)


def test_pending_upload_and_training_jobs_run_after_restart(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = Services(settings)  # never started: its jobs stay pending, as after a crash
    first.projects.create_project(TENANT, CreateProjectRequest(project_name="P", application="x"))
    first.collections.init(
        TENANT, InitRequest(project_name="P", collection_name="c", vector_type="dense", vector_dim=4)
    )
    rng = np.random.default_rng(0)
    vectors = np.vstack([rng.normal(0, 0.1, (30, 4)), rng.normal(5, 0.1, (30, 4))])
    labels = [{"label": "a"}] * 30 + [{"label": "b"}] * 30
    batch = AddDataBatchRequest(project_name="P", collection_name="c", data=vectors.tolist(), attributes=labels)
    upload = first.data.add_data_batch(TENANT, batch)["job_id"]
    kmeans = first.clustering.train_kmeans(
        TENANT,
        TrainKmeansRequest.model_validate(
            {
                "project_name": "P",
                "collection_name": "c",
                "cluster_model_name": "km",
                "kmeans_method": "kmeans",
                "n_clusters": 2,
            }
        ),
    )["job_id"]
    automl = first.automl.train_automl_model(
        TENANT,
        TrainAutomlModelRequest.model_validate(
            {
                "project_name": "P",
                "collection_name": "c",
                "model_name": "m",
                "training_mode": "linear_model",
                "task_type": "classification",
                "label_attribute": "label",
            }
        ),
    )["job_id"]
    assert first.jobs.get_status(TENANT, upload)["status"] == "pending"
    first.stop()

    second = Services(settings)
    second.start()
    try:
        assert second.context.runner.wait_idle(120)
        for job_id in (upload, kmeans, automl):
            status = second.jobs.get_status(TENANT, job_id)
            assert status["status"] == "finished", status
        where = GetCollectionInfoRequest(project_name="P", collection_name="c")
        assert second.collections.get_collection_info(TENANT, where)["num_vectors"] == 60
    finally:
        second.stop()
