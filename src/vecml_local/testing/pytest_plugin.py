"""pytest plugin (entry point `pytest11: vecml_local`): fixtures for testing VecML clients.

- `vecml_server`: a `LocalServer` shared by the whole session, started the first
  time a test asks for it (never otherwise). `vecml_server.url` is the API base URL.
- `vecml_api_key`: a new API key for each test. Every key is its own tenant, so
  tests never see each other's projects and can run in parallel without resets.

Settings come from `VECML_LOCAL_*` environment variables (e.g.
`VECML_LOCAL_JOB_MIN_POLLS=3`). Loads with the runtime dependencies only.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from .server import LocalServer, new_api_key

__all__ = ["vecml_server", "vecml_api_key"]


@pytest.fixture(scope="session")
def vecml_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    """A real vecml-local server on 127.0.0.1 and a free port, for the whole test session."""
    server = LocalServer(tmp_path_factory.mktemp("vecml-local-data"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def vecml_api_key(request: pytest.FixtureRequest) -> str:
    """A fresh API key (its own empty tenant) for this test.

    With `VECML_LOCAL_AUTH=keys` the key is registered on `vecml_server` first."""
    if os.environ.get("VECML_LOCAL_AUTH", "").strip().lower() == "keys":
        server: LocalServer = request.getfixturevalue("vecml_server")
        return server.new_api_key()
    return new_api_key()
