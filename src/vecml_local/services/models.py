"""One training lifecycle for AutoML and clustering models.

    submit:  refuse what the request can already tell is impossible, reserve the
             name (a failed attempt does not hold it), create the model row
             (status `training`) and its job, queue the job;
    run:     the job handler reads the collection (and a validation dataset) in one
             transaction, trains outside it, then marks the model `ready` together
             with finishing the job — or `failed` when anything went wrong;
    read:    a model is read only once it is ready (a training or failed model is a
             400 that says which status endpoint to poll or why it failed);
    delete:  row, training job (cancelled) and files.

Each family's service owns one `TrainingLifecycle` and registers its job handler
with the runner itself, so a reader sees route -> schema -> service -> algorithm.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import AlreadyExists, BadRequest
from ..jobs import JobContext, make_job_id
from ..storage import Collection, Job, Model, Project
from ..storage.repository import check_model_ready, find_model, get_collection, get_model, list_models
from ..storage.snapshots import CollectionSnapshot
from ..timefmt import now
from .batches import UPLOAD_KIND
from .context import ServiceContext, Tenant
from .files import LABEL_KIND
from .input_errors import client_input

__all__ = ["TrainingLifecycle", "TrainingInput", "Trained", "RequestCheck", "Outlook", "outlook"]

# (session, training collection) -> the validation dataset the job also reads, if any.
# Raises a 400/404 for what can be refused before a job exists.
RequestCheck = Callable[[Session, Collection], "Collection | None"]


@dataclass
class Outlook:
    """What a collection will hold when a job queued now starts: its stored vectors and
    attributes plus those of the uploads and label files still waiting (a job runs after
    them). Deletions are immediate, so `num_vectors` is exact unless a waiting upload fails."""

    num_vectors: int
    attribute_names: set[str]


def outlook(session: Session, collection: Collection) -> Outlook:
    waiting = session.scalars(
        select(Job).where(
            Job.kind.in_((UPLOAD_KIND, LABEL_KIND)),
            Job.status.in_(("pending", "in_progress")),
            Job.collection_name == collection.name,
        )
    ).all()
    num_vectors, names = int(collection.num_vectors), set(collection.attribute_names or [])
    for job in waiting:
        payload = job.payload or {}
        if collection.id not in (job.collection_ids or []) and payload.get("collection_id") != collection.id:
            continue  # a namesake in another project or tenant
        num_vectors += int(payload.get("num_rows") or 0)
        names.update(payload.get("attribute_names") or [])
        if payload.get("label_name"):
            names.add(payload["label_name"])
    return Outlook(num_vectors, names)


@dataclass
class TrainingInput:
    """What a training job reads when it starts, taken in one transaction."""

    collection_name: str
    snapshot: CollectionSnapshot
    declared_categorical: list[str]
    validation: CollectionSnapshot | None
    directory: Path  # where the model's files go


@dataclass
class Trained:
    info: dict[str, Any]  # stored on the model row (what the read endpoints show)
    result: dict[str, Any] = field(default_factory=dict)  # stored on the job (what the status shows)


class TrainingLifecycle:
    def __init__(
        self,
        context: ServiceContext,
        *,
        family: str,
        kind: str,
        status_endpoint: str,
        forget: Callable[[int], None] | None = None,
    ) -> None:
        self.context = context
        self.family = family  # models.family
        self.kind = kind  # jobs.kind
        self.status_endpoint = status_endpoint  # named when a model is still training
        self._forget = forget or (lambda model_id: None)  # drop a model from the family's caches

    # -- submit ----------------------------------------------------------------
    def submit(
        self,
        tenant: Tenant,
        project_name: str,
        collection_name: str,
        name: str,
        *,
        job_label: str,
        model_type: str,
        params: dict[str, Any],
        payload: dict[str, Any],
        info: dict[str, Any] | None = None,
        check: RequestCheck | None = None,
    ) -> str:
        """Create the model and its job; return the job id. `check` runs first, so a
        refused request leaves neither a model row nor a job behind."""
        with self.context.db.session() as session:
            collection = get_collection(session, tenant.id, project_name, collection_name)
            validation = check(session, collection) if check is not None else None
            self._reserve(session, collection, name)
            job_id = make_job_id(
                self.context.job_id_prefix(tenant), project_name, collection.name, f"{name}||{job_label}"
            )
            model = Model(
                collection_id=collection.id,
                family=self.family,
                name=name,
                model_type=model_type,
                status="training",
                params=params,
                info=dict(info or {}),
                job_id=job_id,
                created_at=now(),
            )
            session.add(model)
            session.flush()
            # the job waits for earlier jobs on every collection it reads
            collection_ids = [collection.id] + ([validation.id] if validation is not None else [])
            job = self.context.runner.create(
                session,
                kind=self.kind,
                job_id=job_id,
                tenant=tenant.id,
                collection_ids=collection_ids,
                payload={
                    **payload,
                    "model_id": model.id,
                    "collection_id": collection.id,
                    "validation_id": validation.id if validation is not None else None,
                },
                project_name=project_name,
                collection_name=collection.name,
                model_name=name,
            )
            seq = job.seq
        self.context.runner.enqueue(seq, collection_ids)
        return job_id

    def _reserve(self, session: Session, collection: Collection, name: str) -> None:
        old = find_model(session, collection, self.family, name)
        if old is None:
            return
        if old.status != "failed":
            raise AlreadyExists(f"Model {name!r} already exists in collection {collection.name!r}")
        self._forget(old.id)  # a failed attempt does not hold the name
        self.context.files.remove_model(old.id)
        session.delete(old)
        session.flush()

    # -- run -------------------------------------------------------------------
    def run(
        self,
        job: JobContext,
        train: Callable[[JobContext, Any], Trained],
        read: Callable[[dict[str, Any]], Any] | None = None,
    ) -> dict[str, Any]:
        """The job handler's skeleton around `train`, which writes the model's files into
        the input's `directory` and returns what to store. A data error of `ml/` becomes
        the job's failure reason as the client should read it. `read` replaces reading a
        snapshot (`services/partitioned.py` reads a plan of partitions instead)."""
        payload = job.payload
        model_id = payload["model_id"]
        try:
            with client_input():
                job.report(0.0, "reading the collection")
                trained = train(job, (read or self._read)(payload))
            self._mark_ready(job, model_id, trained)
            return trained.result
        except Exception:
            self._mark_failed(model_id)
            raise

    def _read(self, payload: dict[str, Any]) -> TrainingInput:
        with self.context.db.session() as session:
            collection = session.get(Collection, payload["collection_id"])
            if collection is None or session.get(Model, payload["model_id"]) is None:
                raise BadRequest("The collection or model was deleted before training started")
            snapshot = self.context.snapshots.read(session, collection)
            validation = None
            if payload.get("validation_id") is not None:
                other = session.get(Collection, payload["validation_id"])
                if other is None:
                    raise BadRequest(f"validation_dataset {payload.get('validation_dataset', '')!r} was deleted")
                validation = self.context.snapshots.read(session, other)
            return TrainingInput(
                collection_name=collection.name,
                snapshot=snapshot,
                declared_categorical=list(collection.categorical_features or []),
                validation=validation,
                directory=self.context.files.model_dir(payload["model_id"]),
            )

    def _mark_ready(self, job: JobContext, model_id: int, trained: Trained) -> None:
        """Store the model's info and finish the job in one transaction. If the model was
        deleted meanwhile, drop the files the job wrote and fail the job."""
        with self.context.db.session() as session:
            model = session.get(Model, model_id)
            if model is None:
                self._forget(model_id)
                self.context.files.remove_model(model_id)
                raise BadRequest("The model was deleted during training")
            model.status, model.info = "ready", trained.info
            job.finish(session, trained.result)

    def _mark_failed(self, model_id: int) -> None:
        with self.context.db.session() as session:
            model = session.get(Model, model_id)
            if model is None:  # deleted while training (the job was cancelled): drop what it wrote
                self.context.files.remove_model(model_id)
            elif model.status == "training":
                model.status = "failed"

    # -- read ------------------------------------------------------------------
    def ready_model(self, tenant: Tenant, project_name: str, collection_name: str, name: str) -> Model:
        """A model that finished training, detached from its session."""
        with self.context.db.session() as session:
            model = session.scalar(  # one query on the hot path (predict); precise errors below
                select(Model)
                .join(Collection, Model.collection_id == Collection.id)
                .join(Project, Collection.project_id == Project.id)
                .where(
                    Project.tenant == tenant.id,
                    Project.name == project_name,
                    Collection.name == collection_name,
                    Model.family == self.family,
                    Model.name == name,
                )
            )
            if model is None:
                collection = get_collection(session, tenant.id, project_name, collection_name)
                model = get_model(session, collection, self.family, name)
            check_model_ready(session, model, self.status_endpoint)
            session.expunge(model)
            return model

    @staticmethod
    def status_word(model: Model) -> str:
        """A model's status as the list endpoints show it: the job status words."""
        return {"ready": "finished", "training": "in_progress"}.get(model.status, model.status)

    def list_models(self, tenant: Tenant, project_name: str, collection_name: str) -> list[Model]:
        """A collection's models of this family, oldest first, detached."""
        with self.context.db.session() as session:
            collection = get_collection(session, tenant.id, project_name, collection_name)
            models = list_models(session, collection, self.family)
            session.expunge_all()
            return models

    # -- delete ----------------------------------------------------------------
    def delete(self, tenant: Tenant, project_name: str, collection_name: str, name: str) -> None:
        """Delete a model by name, cancel its training job if it still runs, remove its files.

        The model row is deleted (and flushed) before the job row is touched: a finishing
        training job locks them in that order too, so on PostgreSQL the two transactions
        queue instead of deadlocking.
        """
        with self.context.db.session() as session:
            collection = get_collection(session, tenant.id, project_name, collection_name)
            model = get_model(session, collection, self.family, name)
            model_id, job_id = model.id, model.job_id
            session.delete(model)
            session.flush()
            jobs = session.scalars(select(Job).where(Job.job_id == job_id)).all()
            self.context.runner.cancel(session, jobs, f"Cancelled: model {name!r} was deleted")
        self._forget(model_id)
        self.context.files.remove_model(model_id)
