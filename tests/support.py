"""Helpers shared by the test suites: a real server process and job polling."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

__all__ = ["ServerProcess", "wait_for_job", "new_key"]


def new_key() -> str:
    return "test-" + uuid.uuid4().hex


def wait_for_job(
    post: Callable[[str, dict[str, Any]], Any],
    key: str,
    job_id: str,
    endpoint: str = "get_upload_data_status",
    timeout: float = 300.0,  # generous: the first numba compile on a busy CI host can take a minute
) -> dict[str, Any]:
    """Poll a status endpoint until the job is finished or failed; fail the test on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        body = post(endpoint, {"user_api_key": key, "job_id": job_id})
        if body.get("status") in ("finished", "failed"):
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {body.get('status')!r} after {timeout}s: {body}")
        time.sleep(0.05)  # polling interval, not a wait for an outcome


class ServerProcess:
    """`python -m vecml_local serve` on a free port, as a user would start it."""

    def __init__(self, data_dir: Path, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen[str] | None = None
        self.base_url = ""
        self.lines: list[str] = []  # what the server printed after its Ready line (its log)

    def start(self, timeout: float = 60.0) -> ServerProcess:
        command = [
            sys.executable,
            "-m",
            "vecml_local",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--data-dir",
            str(self.data_dir),
        ]
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=self.env
        )
        deadline = time.monotonic() + timeout
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith("Ready. API at "):
                self.base_url = line.split("Ready. API at ", 1)[1].strip()
                break
            if time.monotonic() > deadline:
                break
        if not self.base_url:
            self.stop()
            raise RuntimeError("server did not print its Ready line")
        # Keep draining output so a chatty server never blocks on a full pipe.
        import threading

        threading.Thread(target=self._drain, daemon=True).start()
        return self

    def _drain(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def post(self, endpoint: str, body: dict[str, Any], timeout: float = 120.0) -> Any:
        response = httpx.post(f"{self.base_url}/{endpoint}", json=body, timeout=timeout)
        return response.json()

    def ok(self, endpoint: str, **fields: Any) -> Any:
        """`post`, asserting the documented success answer."""
        body = self.post(endpoint, fields)
        assert body.get("success") is True, (endpoint, body)
        return body

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
