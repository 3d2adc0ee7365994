"""The log of a real server process: one line per request and per job state change, the
startup settings, and never the API key (JSON format, so the lines can be checked field by field)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support import new_key


def test_one_line_per_request_and_job_change_and_never_the_key(tmp_path: Path) -> None:
    out, err = (tmp_path / "stdout.log").open("w"), (tmp_path / "stderr.log").open("w")
    command = [sys.executable, "-m", "vecml_local", "serve", "--port", "0", "--data-dir", str(tmp_path / "data")]
    process = subprocess.Popen([*command, "--log-format", "json"], stdout=out, stderr=err, text=True)
    try:
        deadline = time.monotonic() + 60
        while "Ready. API at " not in (tmp_path / "stdout.log").read_text():
            assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "stderr.log").read_text()
            time.sleep(0.05)  # waiting for the Ready line
        base = (tmp_path / "stdout.log").read_text().split("Ready. API at ", 1)[1].split()[0]
        key = new_key()
        where = {"user_api_key": key, "project_name": "p", "collection_name": "c"}
        sent = []

        def post(endpoint: str, body: dict) -> httpx.Response:
            sent.append(endpoint)
            return httpx.post(f"{base}/{endpoint}", json=body, timeout=60)

        assert post("create_project", {"user_api_key": key, "project_name": "p", "application": "t"}).is_success
        assert post("init", {**where, "vector_type": "dense", "vector_dim": 2}).is_success
        job_id = post("add_data_batch", {**where, "data": [[1, 2], [3, 4]], "string_ids": ["a", "b"]}).json()["job_id"]
        while post("get_upload_data_status", {"user_api_key": key, "job_id": job_id}).json()["status"] != "finished":
            assert time.monotonic() < deadline + 60
            time.sleep(0.05)  # polling interval
        assert post("no_such_endpoint", {"user_api_key": key}).status_code == 404
        assert post("init", {**where, "vector_type": "dense", "vector_dim": 2}).status_code == 409
    finally:
        process.terminate()
        process.wait(timeout=30)
        out.close()
        err.close()
    text = (tmp_path / "stderr.log").read_text()
    assert key not in text and key not in (tmp_path / "stdout.log").read_text()
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    assert len(lines) == len(text.splitlines()), "every log line is one JSON object"

    access = [line for line in lines if line["logger"] == "vecml_local.access"]
    assert [line["path"].rsplit("/", 1)[1] for line in access] == sent
    assert [line["status"] for line in access][-2:] == [404, 409]
    fingerprints = {line["key"] for line in access[:-2]}
    assert len(fingerprints) == 1 and len(fingerprints.pop()) == 12
    assert all(line["method"] == "POST" and line["duration_ms"] >= 0 for line in access)

    changes = [(line["state"], line.get("duration_s")) for line in lines if line.get("job_id") == job_id]
    assert [state for state, _ in changes] == ["in_progress", "finished"]
    assert changes[-1][1] is not None and changes[-1][1] >= 0
    assert all(line.get("kind") == "upload" for line in lines if line.get("job_id") == job_id)

    startup = next(line for line in lines if line["message"].startswith("starting vecml-local"))
    assert startup["data_dir"].endswith("data") and startup["log_format"] == "json"
