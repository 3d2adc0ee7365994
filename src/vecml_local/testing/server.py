"""`LocalServer`: the real vecml-local app under uvicorn in a background thread.

    with LocalServer() as server:
        requests.post(f"{server.url}/create_project", json={...})

It binds 127.0.0.1 on a free port (port 0) and keeps its data in a temporary
directory that is removed on `stop()` (unless you passed your own `data_dir`).
Any other `Settings` field can be given as a keyword (`job_min_polls=3`);
`VECML_LOCAL_*` environment variables apply to the fields you do not give.
Only the runtime dependencies are used here (no httpx, no pytest).
"""

from __future__ import annotations

import json
import secrets
import shutil
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from types import TracebackType
from typing import Any

__all__ = ["LocalServer", "new_api_key"]


def new_api_key() -> str:
    """A key no other test uses: in the default `open` auth mode every key is its own tenant."""
    return "vml_test_" + uuid.uuid4().hex


class LocalServer:
    """A vecml-local server in this process, on its own thread and port."""

    def __init__(
        self,
        data_dir: str | Path | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        startup_timeout: float = 60.0,
        **settings: Any,
    ) -> None:
        self.host = host
        self.port = port
        self.startup_timeout = startup_timeout
        self.settings_overrides = settings
        self._given_data_dir = Path(data_dir) if data_dir is not None else None
        self._temp_dir: str | None = None
        self.data_dir: Path | None = None
        self.app: Any = None
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    # -- life cycle ----------------------------------------------------------
    def start(self) -> LocalServer:
        if self._thread is not None:
            return self
        import uvicorn

        from ..app import create_app
        from ..config import Settings

        if self._given_data_dir is None:
            self._temp_dir = tempfile.mkdtemp(prefix="vecml-local-")
            self.data_dir = Path(self._temp_dir)
        else:
            self.data_dir = self._given_data_dir
        self.data_dir.mkdir(parents=True, exist_ok=True)
        overrides = {**self.settings_overrides, "host": self.host, "port": self.port, "data_dir": self.data_dir}
        if overrides.get("auth") == "keys" and not overrides.get("admin_token"):
            overrides["admin_token"] = secrets.token_urlsafe(24)  # the kit's own key to /_local in keys mode
        settings = Settings(**overrides)
        self.settings = settings
        self.app = create_app(settings)
        config = uvicorn.Config(
            self.app,
            host=self.host,
            port=self.port,
            log_level="warning",
            access_log=False,
            lifespan="on",
            log_config=None,  # leave the test run's logging alone
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name="vecml-local-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + self.startup_timeout
        while not self._server.started:
            if self._error is not None or not self._thread.is_alive():
                self._cleanup()
                raise RuntimeError(f"vecml-local did not start: {self._error!r}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"vecml-local did not start within {self.startup_timeout}s")
            time.sleep(0.01)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]
        return self

    def _run(self) -> None:
        try:
            self._server.run()  # not the main thread: uvicorn installs no signal handlers
        except BaseException as error:  # reported by start()
            self._error = error

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=30)
        self._cleanup()

    def _cleanup(self) -> None:
        self._thread = None
        self._server = None
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    # -- addresses -----------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._thread is not None and self._server is not None and self._server.started

    @property
    def root_url(self) -> str:
        """`http://127.0.0.1:PORT` (where `/health`, `/ready` and `/_local/...` live)."""
        if not self.running:
            raise RuntimeError("LocalServer is not running; call start() first")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}"

    @property
    def url(self) -> str:
        """The API base URL, what a client uses instead of `https://aidb.vecml.com/api`."""
        return f"{self.root_url}/api"

    # -- emulator controls (plain urllib, no extra dependency) ---------------
    def new_api_key(self) -> str:
        """A fresh tenant's key; registered first when the server runs with `auth="keys"`."""
        if self.running and self.settings.auth == "keys":
            return str(self.app.state.services.keys.create("vecml_local.testing").key)
        return new_api_key()

    def reset(self, api_key: str | None = None) -> dict[str, Any]:
        """Delete one tenant's projects, collections, models and jobs (or everyone's)."""
        body: dict[str, Any] = {"user_api_key": api_key} if api_key else {"all": True}
        return self._request("POST", "/_local/reset", body)

    def set_job_min_polls(self, polls: int) -> dict[str, Any]:
        """`POST /_local/job_timing`: jobs report in_progress for their first `polls` status polls."""
        return self._request("POST", "/_local/job_timing", {"job_min_polls": polls})

    def info(self) -> dict[str, Any]:
        return self._request("GET", "/_local/info")

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Block until the job runner has nothing queued or running (in-process only)."""
        return bool(self.app.state.services.context.runner.wait_idle(timeout))

    def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.root_url + path,
            data=data,
            method=method,
            headers={
                **({"Content-Type": "application/json"} if data is not None else {}),
                **({"X-Admin-Token": self.settings.admin_token} if self.settings.admin_token else {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return dict(json.loads(response.read()))
        except urllib.error.HTTPError as error:
            return dict(json.loads(error.read() or b"{}"))
