"""The load test, short: 16 clients against a real server process for a few seconds (on the
test database: SQLite, or PostgreSQL in .ci/run's PostgreSQL pass). Counts add up, nothing is
left pending or in progress once the queue drains, no 5xx, no request hangs."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

from tests.database import fresh_database_url
from tests.support import ServerProcess

pytestmark = pytest.mark.slow  # ~30 s; .ci/run runs it in the PostgreSQL pass as well

LOAD = Path(__file__).resolve().parents[2] / "scripts" / "bench" / "load.py"


def load_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("vecml_load", LOAD)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["vecml_load"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_short_load_run(tmp_path: Path) -> None:
    env = {"VECML_LOCAL_LOG_LEVEL": "warning"}
    url = fresh_database_url()
    if url:
        env["VECML_LOCAL_DATABASE_URL"] = url
    server = ServerProcess(tmp_path / "data", {**os.environ, **env}).start()
    try:
        report = load_module().run_load(server.base_url.removesuffix("/api"), clients=16, seconds=6, drain_timeout=240)
    finally:
        server.stop()
    summary = report.summary()
    assert report.ok, summary
    assert summary["http_statuses"].get(200, 0) > 50, summary
    assert any(name.startswith("upload_data:finished") for name in summary["jobs"]), summary
