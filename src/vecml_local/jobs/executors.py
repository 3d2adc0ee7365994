"""Where a job's handler runs: in this process (`local`, the default) or as a task on a
Dask cluster (`dask`). The runner keeps everything else — the registry, per-collection
ordering, cancellation, progress, crash recovery — so both behave alike.

With `dask`, the runner thread that would have run the handler submits one task instead
and waits for it: the task (on a worker, see `services/remote.py`) rebuilds the services
from the same settings, runs the same handler against the shared database and data dir,
and writes progress to the job's row, which this side copies into the waiting job's
context so status answers stay live. Cancelling sets the job's row to failed; the worker
sees that within a second and stops the handler through the usual `cancelled()` check.

The runner asks `available(kind)` before it claims a job: while the scheduler cannot be
reached the job stays pending (tried again every tick) and `healthy()` (`/ready`) is false;
after `VECML_LOCAL_DASK_WAIT_SECONDS` the job fails with `down_message`.

Nothing of `distributed` is imported while the executor is `local`.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy import select

from ..errors import VecmlError
from ..storage import Job
from .runner import JobCancelled, JobContext, JobHandler, Progress

__all__ = ["JobExecutor", "LocalExecutor", "DaskExecutor", "ExecutorUnavailable"]

log = logging.getLogger("vecml_local.jobs")

_POLL = 0.5  # seconds between looks at a remote job's row
_CONNECT_TIMEOUT = 5.0  # also how long a connected client tries to reconnect before it closes
_PROBE_EVERY = 2.0  # seconds between connection attempts while the scheduler is down

# (settings as JSON, job seq) -> {"worker": address, "result": ...}; runs on a Dask worker
RemoteRun = Callable[[str, int], dict[str, Any]]


class ExecutorUnavailable(VecmlError):
    """The Dask scheduler cannot be reached."""


class JobExecutor(Protocol):
    name: str

    def run(self, context: JobContext, handler: JobHandler) -> dict[str, Any] | None: ...

    def available(self, kind: str) -> bool: ...

    def down_message(self, waited: float) -> str: ...

    def healthy(self) -> bool: ...

    def close(self) -> None: ...


class LocalExecutor:
    """The handler runs on the runner's own thread."""

    name = "local"

    def run(self, context: JobContext, handler: JobHandler) -> dict[str, Any] | None:
        return handler(context)

    def available(self, kind: str) -> bool:
        return True

    def down_message(self, waited: float) -> str:
        return ""

    def healthy(self) -> bool:
        return True

    def close(self) -> None:
        pass


class DaskExecutor:
    """Jobs run as Dask tasks, except `local_kinds` (uploads and labels: quick, and their
    staged files live with the API process)."""

    name = "dask"

    def __init__(self, scheduler: str, remote: RemoteRun, settings_json: str, local_kinds: frozenset[str]) -> None:
        self.scheduler = scheduler
        self.remote = remote
        self.settings_json = settings_json
        self.local_kinds = local_kinds
        self._client: Any = None
        self._lock = threading.Lock()
        self._retry_at = 0.0  # no connection attempt before this monotonic time
        self._error = ""

    def _connected(self) -> Any:
        """A running client, or None while the scheduler cannot be reached (one connection
        attempt per _PROBE_EVERY seconds at most, so waiting jobs and /ready stay cheap)."""
        with self._lock:
            if self._client is not None and self._client.status == "running":
                return self._client
            if self._client is not None and self._client.status == "connecting":
                return None  # lost the scheduler: reconnecting, or closing after _CONNECT_TIMEOUT
            if time.monotonic() < self._retry_at:
                return None
            if self._client is not None:
                self._client.close()
                self._client = None
            from distributed import Client

            try:
                self._client = Client(  # type: ignore[no-untyped-call]  # distributed leaves __init__ unannotated
                    self.scheduler, timeout=_CONNECT_TIMEOUT, set_as_default=False
                )
            except OSError as error:
                self._retry_at, self._error = time.monotonic() + _PROBE_EVERY, str(error)
                return None
            log.info("connected to the dask scheduler at %s", self.scheduler)
            return self._client

    def client(self) -> Any:
        client = self._connected()
        if client is None:
            raise ExecutorUnavailable(
                f"The Dask scheduler at {self.scheduler} cannot be reached ({self._error or 'connection lost'}); "
                "submit the job again when it is back"
            )
        return client

    def available(self, kind: str) -> bool:
        return kind in self.local_kinds or self._connected() is not None

    def down_message(self, waited: float) -> str:
        return (
            f"The Dask scheduler at {self.scheduler} could not be reached for {waited:g} s "
            f"(VECML_LOCAL_DASK_WAIT_SECONDS); submit the job again when it is back"
        )

    def healthy(self) -> bool:
        try:
            client = self._connected()
            return client is not None and bool(client.scheduler_info().get("workers"))
        except Exception:
            return False

    def run(self, context: JobContext, handler: JobHandler) -> dict[str, Any] | None:
        if context.kind in self.local_kinds:
            return handler(context)
        client = self.client()
        # retries: a task whose worker died is rescheduled by Dask itself; one more try covers
        # an error raised while the worker was being torn down.
        future = client.submit(
            self.remote, self.settings_json, context.seq, key=f"vecml-job-{context.seq}", pure=False, retries=1
        )
        answer: dict[str, Any]  # what the remote function returns (a dict of JSON values)
        while True:
            try:
                answer = future.result(timeout=_POLL)
                break
            except TimeoutError:
                self._follow(context)
                if context.cancelled():
                    future.cancel()
                    raise JobCancelled(context.job_id) from None
        context.finished = bool(answer.get("finished"))
        log.info("job %s ran on dask worker %s", context.job_id, answer.get("worker"))
        return answer.get("result")

    def _follow(self, context: JobContext) -> None:
        """Copy the progress the worker wrote to the row into the waiting context."""
        with context.db.session() as session:
            row = session.execute(
                select(Job.status, Job.progress, Job.progress_message, Job.eta_seconds).where(Job.seq == context.seq)
            ).first()
        if row is None or row.status != "in_progress":
            context.cancel_event.set()
            return
        if row.progress is not None and row.progress > context.progress.value:
            context.progress = Progress(float(row.progress), row.progress_message or "", row.eta_seconds)

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None


def worker_name() -> str:
    """The Dask worker's address (or this host's name outside a worker)."""
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return socket.gethostname()
