"""Restart recovery: a model whose training a crash interrupted is failed with its job."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sqlalchemy import select

from vecml_local.config import Settings
from vecml_local.jobs.runner import RESTART_MESSAGE
from vecml_local.schemas.clustering import TrainKmeansRequest
from vecml_local.schemas.collections import InitRequest
from vecml_local.schemas.data import AddDataBatchRequest
from vecml_local.schemas.projects import CreateProjectRequest
from vecml_local.services import Services, Tenant
from vecml_local.storage import Job, Model

TENANT = Tenant("e" * 64)


def kmeans_request(name: str) -> TrainKmeansRequest:
    return TrainKmeansRequest.model_validate(
        {"project_name": "P", "collection_name": "c", "cluster_model_name": name, "n_clusters": 2}
    )


def test_training_interrupted_by_a_crash_fails_its_model(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = Services(settings)  # never started: its jobs stay as a crash leaves them
    first.projects.create_project(TENANT, CreateProjectRequest(project_name="P", application="x"))
    first.collections.init(
        TENANT, InitRequest(project_name="P", collection_name="c", vector_type="dense", vector_dim=4)
    )
    vectors = np.random.default_rng(0).normal(size=(40, 4)).tolist()
    first.data.add_data_batch(TENANT, AddDataBatchRequest(project_name="P", collection_name="c", data=vectors))
    job_id = first.clustering.train_kmeans(TENANT, kmeans_request("km"))["job_id"]
    with first.context.db.session() as session:  # the crash came while the training ran
        session.scalars(select(Job).where(Job.job_id == job_id)).one().status = "in_progress"
    first.stop()

    second = Services(settings)
    second.start()
    try:
        assert second.context.runner.wait_idle(60)
        status = second.jobs.get_status(TENANT, job_id)
        assert status["status"] == "failed" and status["error_message"] == RESTART_MESSAGE
        with second.context.db.session() as session:
            assert session.scalars(select(Model.status).where(Model.name == "km")).one() == "failed"
        # The name is free again: a new training under it runs to the end.
        again = second.clustering.train_kmeans(TENANT, kmeans_request("km"))["job_id"]
        assert second.context.runner.wait_idle(60)
        assert second.jobs.get_status(TENANT, again)["status"] == "finished"
    finally:
        second.stop()


def staged(services: Services) -> list[str]:
    return sorted(path.name for path in services.context.files.staging.iterdir())


def setup_collection(services: Services) -> None:
    services.projects.create_project(TENANT, CreateProjectRequest(project_name="P", application="x"))
    services.collections.init(
        TENANT, InitRequest(project_name="P", collection_name="c", vector_type="dense", vector_dim=4)
    )


def test_uploads_cancelled_by_deleting_their_collection_leave_no_staged_files(tmp_path: Path) -> None:
    from vecml_local.schemas.collections import DeleteCollectionRequest

    services = Services(Settings(data_dir=tmp_path))  # not started: the uploads stay pending
    try:
        setup_collection(services)
        for _ in range(3):
            batch = AddDataBatchRequest(project_name="P", collection_name="c", data=[[1, 2, 3, 4]] * 5)
            services.data.add_data_batch(TENANT, batch)
        assert len(staged(services)) == 3
        services.collections.delete_collection(TENANT, DeleteCollectionRequest(project_name="P", collection_name="c"))
        assert staged(services) == []
    finally:
        services.stop()


def test_an_upload_whose_job_cannot_be_recorded_leaves_no_staged_file(tmp_path: Path) -> None:
    from sqlalchemy import text

    services = Services(Settings(data_dir=tmp_path))
    try:
        setup_collection(services)
        with services.context.db.session() as session:  # a real database failure on the job insert
            session.execute(text("ALTER TABLE jobs RENAME TO jobs_gone"))
        batch = AddDataBatchRequest(project_name="P", collection_name="c", data=[[1, 2, 3, 4]] * 5)
        try:
            services.data.add_data_batch(TENANT, batch)
        except Exception:  # noqa: BLE001 - which error does not matter here, only what it leaves
            pass
        else:
            raise AssertionError("the upload was accepted without a job table")
        assert staged(services) == []
    finally:
        services.stop()


def test_a_label_job_failing_after_publishing_leaves_no_segment(tmp_path: Path) -> None:
    """The final transaction fails after the label segment moved into the collection (here the
    job was cancelled meanwhile, so `finish` refuses): the segment goes at once, not at the next
    start; nothing staged is left, and the collection reads as before."""
    import base64
    import threading

    from vecml_local.jobs import JobCancelled, JobContext
    from vecml_local.schemas.files import AttachAutomlLabelRequest
    from vecml_local.services.files import attach_labels
    from vecml_local.storage import Segment

    settings = Settings(data_dir=tmp_path)
    first = Services(settings)
    first.start()
    try:
        setup_collection(first)
        batch = AddDataBatchRequest(project_name="P", collection_name="c", data=[[1, 2, 3, 4]] * 5)
        first.data.add_data_batch(TENANT, batch)
        assert first.context.runner.wait_idle(60)
    finally:
        first.stop()
    services = Services(settings)  # not started: the label job is run by hand below
    try:
        request = AttachAutomlLabelRequest(
            project_name="P", collection_name="c", Y=base64.b64encode(b"a\nb\n").decode(), label_name="y"
        )
        job_id = services.files.attach_automl_label(TENANT, request)["job_id"]
        with services.context.db.session() as session:
            row = session.scalars(select(Job).where(Job.job_id == job_id)).one()
            row.status = "failed"  # cancelled while it ran
            job = JobContext(
                row.seq, row.job_id, row.tenant, row.kind, dict(row.payload), services.context.db, threading.Event()
            )
            collection_id = row.collection_ids[0]
        try:
            attach_labels(services.context, job)
        except JobCancelled:
            pass
        else:
            raise AssertionError("a cancelled label job finished")
        with services.context.db.session() as session:
            recorded = set(session.scalars(select(Segment.directory).where(Segment.collection_id == collection_id)))
        on_disk = {path.name for path in (services.context.files.collections / str(collection_id)).iterdir()}
        assert on_disk == recorded and len(recorded) == 1  # the vectors' segment only
        assert staged(services) == []
    finally:
        services.stop()
