"""A real server process over a socket, driven by plain HTTP as a user's client would."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import ServerProcess


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = ServerProcess(Path(tmp_path_factory.mktemp("e2e-data"))).start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def dask_cluster() -> Iterator[Any]:
    """A real Dask cluster on this machine: 2 worker processes, 1 thread each, no dashboard."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
    ) as local_cluster:
        yield local_cluster
