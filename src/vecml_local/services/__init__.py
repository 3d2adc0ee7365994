"""The use cases, one service per API family. No FastAPI here."""

from __future__ import annotations

import logging

from sqlalchemy import select

from ..config import Settings
from ..jobs.replicas import ReplicaRegistry
from ..storage import Collection, Job, Model, Segment
from ..storage.datadir_lock import claim_data_dir
from .analysis import ANALYSIS_KIND, AnalysisService, render_analysis_status
from .automl import AUTOML_KIND, AutomlService
from .automl_data import render_automl_status
from .batches import UPLOAD_KIND, publish_batch
from .clustering import ClusteringService
from .clustering_models import CLUSTERING_KIND, render_clustering_status
from .collections import CollectionService
from .context import ServiceContext, Tenant
from .data import DataService
from .files import LABEL_KIND, FileService, attach_labels
from .jobs import JobService
from .local import LocalService
from .projects import ProjectService
from .recovery import fail_orphaned_models
from .remote import make_executor
from .search import SearchService
from .tenants import KeyRegistry, RateLimiter
from .warmup import KernelWarmup

__all__ = ["Services", "ServiceContext", "Tenant"]

log = logging.getLogger("vecml_local")


class Services:
    """Everything the API layer calls, built once per app."""

    def __init__(self, settings: Settings, *, own_data_dir: bool = True) -> None:
        # One server per data dir, before the database or a file is touched (storage/datadir_lock.py).
        # A Dask worker (services/remote.py) works for the server that owns the dir: no lock.
        shared = not settings.resolved_database_url().startswith("sqlite")  # replicas: jobs/replicas.py
        self.lock = claim_data_dir(settings.data_dir, shared) if own_data_dir else None
        try:
            self.context = context = ServiceContext.build(settings)
        except BaseException:
            if self.lock is not None:
                self.lock.release()
            raise
        runner = context.runner
        runner.max_queued_per_tenant = settings.max_queued_jobs_per_key
        runner.executor_wait_seconds = settings.dask_wait_seconds
        runner.recovered.append(lambda: fail_orphaned_models(context))
        if own_data_dir and not context.db.is_sqlite:  # a shared database: one replica of many (jobs/replicas.py)
            runner.replicas = ReplicaRegistry(context.db, settings.replica_lease_seconds, runner.owner, settings.port)
        self.keys = KeyRegistry(context.db, settings.auth)
        self.warmup = KernelWarmup(settings.data_dir)
        self.rate_limiter = RateLimiter(settings.rate_limit_per_second)
        self.projects = ProjectService(context)
        self.collections = CollectionService(context)
        self.data = DataService(context)
        self.jobs = JobService(context)
        self.files = FileService(context)
        self.local = LocalService(context)
        self.automl = AutomlService(context)
        self.clustering = ClusteringService(context)
        self.search = SearchService(context)
        self.analysis = AnalysisService(context, self.automl.automl_predict)
        context.runner.executor = make_executor(settings, frozenset({UPLOAD_KIND, LABEL_KIND}))
        # Every job kind has its handler before `start()` queues what a restart left pending
        # (the AutoML, clustering and analysis services register their jobs themselves).
        context.runner.register(UPLOAD_KIND, lambda job: publish_batch(context, job))
        context.runner.register(LABEL_KIND, lambda job: attach_labels(context, job))
        self.jobs.register_renderer(AUTOML_KIND, render_automl_status)
        self.jobs.register_renderer(CLUSTERING_KIND, render_clustering_status)
        self.jobs.register_renderer(ANALYSIS_KIND, render_analysis_status)

    def start(self) -> None:
        replicas = self.context.runner.replicas
        if replicas is not None:
            replicas.register()
        self.context.runner.fail_interrupted()
        fail_orphaned_models(self.context)  # their models with them (services/recovery.py)
        if replicas is None or not replicas.others_alive():
            self.sweep_orphans()
        else:  # a live replica may be between writing a file and committing its row
            log.info("other replicas are alive: the sweep of orphaned files waits for a start without them")
        self.context.runner.start()
        self.warmup.start()  # numba kernels compiled ahead when the cache is cold (services/warmup.py)

    def stop(self) -> None:
        self.warmup.stop()
        self.context.runner.stop(grace=self.context.settings.stop_grace_seconds)
        if self.context.runner.live_jobs():
            return  # jobs that did not stop in time still use the database; the process exit ends them
        self.context.db.dispose()
        if self.lock is not None:
            self.lock.release()

    def sweep_orphans(self) -> None:
        """Remove files no row refers to (a crash between rename and commit, or a delete)."""
        with self.context.db.session() as session:
            live_segments: dict[int, set[str]] = {
                collection_id: set() for collection_id in session.scalars(select(Collection.id))
            }
            for collection_id, directory in session.execute(select(Segment.collection_id, Segment.directory)):
                live_segments.setdefault(collection_id, set()).add(directory)
            pending = session.scalars(select(Job.payload).where(Job.status == "pending"))
            tokens = {str(p["token"]) for p in pending if isinstance(p, dict) and p.get("token")}
            models = set(session.scalars(select(Model.id)))
        self.context.files.sweep(live_segments, tokens, models)
