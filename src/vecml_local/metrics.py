"""`GET /metrics`: Prometheus counters, histograms and gauges of one app (its own registry,
so several apps in one process, as in tests, never mix their figures).

Requests are counted by the request observer (middleware.RequestObserver), job state
changes by the runner's observers; job counts by kind and state, queue depth and vectors
stored are read when scraped (from the database, so they hold across restarts).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from .storage import Collection, Job

__all__ = ["Metrics", "CONTENT_TYPE"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
STATES = ("pending", "in_progress", "finished", "failed")
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
_JOB_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)


class Metrics:
    def __init__(self, app: Any) -> None:
        self.app = app  # its services answer the scrape-time gauges
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "vecml_local_requests",
            "HTTP requests answered, by endpoint (route path; 'other' for unknown paths), method and status.",
            ("endpoint", "method", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "vecml_local_request_duration_seconds",
            "Time from the first byte of a request to the end of its answer, by endpoint.",
            ("endpoint",),
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.transitions = Counter(
            "vecml_local_job_transitions",
            "Job state changes seen by this server since it started, by kind and new state.",
            ("kind", "state"),
            registry=self.registry,
        )
        self.job_duration = Histogram(
            "vecml_local_job_duration_seconds",
            "Time jobs ran (in_progress to finished or failed), by kind and final state.",
            ("kind", "state"),
            buckets=_JOB_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_ScrapeTime(self))

    # -- observers -------------------------------------------------------------
    def request_done(self, method: str, endpoint: str, status: int, seconds: float) -> None:
        self.requests.labels(endpoint, method, str(status)).inc()
        self.latency.labels(endpoint).observe(seconds)

    def job_changed(self, kind: str, state: str, seconds: float | None) -> None:
        self.transitions.labels(kind, state).inc()
        if seconds is not None and state in ("finished", "failed"):
            self.job_duration.labels(kind, state).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _ScrapeTime(Collector):
    """Gauges read when scraped: jobs by kind and state, queue depth, vectors stored."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def describe(self) -> list[Any]:
        return []  # not known before the first scrape (the app may not have started)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        services = getattr(self.metrics.app.state, "services", None)
        if services is None:
            return
        context = services.context
        jobs = GaugeMetricFamily(
            "vecml_local_jobs", "Jobs in the database by kind and state.", labels=["kind", "state"]
        )
        with context.db.session() as session:
            counts = {
                (kind, status): n
                for kind, status, n in session.execute(
                    select(Job.kind, Job.status, func.count()).group_by(Job.kind, Job.status)
                )
            }
            vectors = session.scalar(select(func.coalesce(func.sum(Collection.num_vectors), 0)))
            collections = session.scalar(select(func.count()).select_from(Collection))
        for kind in sorted({kind for kind, _ in counts} | set(context.runner.handlers)):
            for state in STATES:
                jobs.add_metric([kind, state], counts.get((kind, state), 0))
        yield jobs
        queued, running = context.runner.queue_depth()
        yield GaugeMetricFamily(
            "vecml_local_job_queue_depth", "Jobs of this server waiting for a worker or an earlier job.", value=queued
        )
        yield GaugeMetricFamily("vecml_local_jobs_running", "Jobs running in this server now.", value=running)
        yield GaugeMetricFamily("vecml_local_vectors_stored", "Vectors stored in all collections.", value=vectors or 0)
        yield GaugeMetricFamily("vecml_local_collections", "Collections of all tenants.", value=collections or 0)
