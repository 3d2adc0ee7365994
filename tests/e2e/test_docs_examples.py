"""The code in the docs runs: the complete example of testing-your-client.md as a user's
test file (installed plugin only), and the quickstart client against a real server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.test_user_suite import _has_route
from tests.support import ServerProcess, new_key

DOCS = Path(__file__).resolve().parents[2] / "docs"
TRAINING = "/api/train_automl_model"


def _python_blocks(name: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", (DOCS / name).read_text(), flags=re.S)


def test_testing_your_client_example_passes_as_a_user_suite(tmp_path: Path) -> None:
    example = _python_blocks("testing-your-client.md")[0]
    assert example.startswith("# test_churn_model.py")
    project = tmp_path / "user-project"
    project.mkdir()
    (project / "pytest.ini").write_text("[pytest]\n")
    (project / "test_churn_model.py").write_text(example)
    trains = _has_route(TRAINING)
    args = [] if trains else ["-k", "not train"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VECML_LOCAL_", "PYTEST_"))}
    env.pop("PYTHONPATH", None)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-v", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert ("3 passed" if trains else "2 passed") in output, output
    if not trains:
        pytest.skip(f"{TRAINING} is not in the app yet: the example's training test was deselected")


def test_quickstart_client_runs_against_a_server(server: ServerProcess, tmp_path: Path) -> None:
    source = _python_blocks("quickstart.md")[0]
    assert 'BASE_URL = "http://127.0.0.1:8780/api"' in source
    key = new_key()
    source = source.replace('"http://127.0.0.1:8780/api"', repr(server.base_url))
    source = source.replace('"replace_this_with_your_api_key"', repr(key))
    trains = _has_route(TRAINING)
    if not trains:
        source = source.split("# 4. Train AutoML model")[0]
    script = tmp_path / "example.py"
    script.write_text(source)
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Request to add_data_batch: HTTP 200" in result.stdout
    info = server.post(
        "get_collection_info", {"user_api_key": key, "project_name": "AutoML-Demo", "collection_name": "training_data"}
    )
    assert info["num_vectors"] == 1000
    if trains:
        assert "Request to automl_predict: HTTP 200" in result.stdout, result.stdout[-3000:]
    else:
        pytest.skip(f"{TRAINING} is not in the app yet: ran the quickstart client up to training")
