"""The VecML docs' example program, unchanged but for its base URL, against a real server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from tests.support import ServerProcess, new_key

EXAMPLE = Path(__file__).parent / "clients" / "vecml_docs_example.py"
END_OF_DATA_STEPS = "# --- end of the data steps ---"


def run_example(server: ServerProcess, source: str, key: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "example.py"
    script.write_text(source)
    env = {**os.environ, "VECML_API_URL": server.base_url, "VECML_API_KEY": key}
    return subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=300)


def test_docs_example_data_steps(server: ServerProcess, tmp_path: Path) -> None:
    key = new_key()
    source = EXAMPLE.read_text().split(END_OF_DATA_STEPS)[0]
    result = run_example(server, source, key, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Request to add_data_batch: HTTP 200" in result.stdout
    info = server.post(
        "get_collection_info", {"user_api_key": key, "project_name": "AutoML-Demo", "collection_name": "training_data"}
    )
    assert info["num_vectors"] == 1000 and info["vector_dim"] == 64
    assert set(info["attributes"]) == {"label", "category"}
    # Running it again starts from a clean project (its first call deletes it).
    again = run_example(server, source, key, tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr


def test_health_ready_and_openapi(server: ServerProcess) -> None:
    root = server.base_url.removesuffix("/api")
    assert httpx.get(f"{root}/health").json()["status"] == "ok"
    assert httpx.get(f"{root}/ready").status_code == 200
    paths = httpx.get(f"{root}/openapi.json").json()["paths"]
    assert "/api/add_data_batch" in paths and "/api/get_upload_data_status" in paths
    assert httpx.get(f"{root}/docs").status_code == 200
