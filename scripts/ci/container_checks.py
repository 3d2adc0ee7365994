"""HTTP checks the container stage (scripts/ci/containers.sh) runs from the host against a container.

    container_checks.py example  BASE KEY STATE   the VecML docs' example workflow, then a snapshot
    container_checks.py verify   BASE KEY STATE   the same snapshot again (after a restart)
    container_checks.py mark     BASE KEY PROJECT create a project
    container_checks.py has      BASE KEY PROJECT the project exists
    container_checks.py metrics  BASE             GET /metrics (reports when the server has none)
    container_checks.py kernels  BASE SECONDS     the numba kernels load from the image's cache (GET /ready's
                                                  "kernels" reaches "ready" without "compiling")
    container_checks.py cluster  BASE KEY SECONDS the compose `cluster` profile: GET /ready's checks.executor turns
                                                  true, then the example workflow, whose training status names the
                                                  Dask worker that ran it

BASE is the server root (http://127.0.0.1:PORT); the API is BASE/api. Exit 0 when the check holds.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "tests" / "e2e" / "clients" / "vecml_docs_example.py"
PROJECT, TRAIN, PREDICT, MODEL = "AutoML-Demo", "training_data", "prediction_data", "model1"


def _request(url: str, body: dict[str, Any] | None = None) -> tuple[int, str]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def _call(base: str, endpoint: str, key: str, **fields: Any) -> dict[str, Any]:
    status, text = _request(f"{base}/api/{endpoint}", {"user_api_key": key, **fields})
    if status != 200:
        raise SystemExit(f"{endpoint}: HTTP {status}: {text[:500]}")
    return dict(json.loads(text))


def _stable(value: Any) -> Any:
    """The answer without what legitimately changes between two identical calls (times, durations)."""
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if "time" not in k and "elapsed" not in k}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


def snapshot(base: str, key: str) -> dict[str, Any]:
    projects = sorted(p["project_name"] for p in _call(base, "list_projects", key)["projects"])
    collections = {
        name: _call(base, "get_collection_info", key, project_name=PROJECT, collection_name=name)["num_vectors"]
        for name in (TRAIN, PREDICT)
    }
    models = _call(base, "list_automl_model_infos", key, project_name=PROJECT, collection_name=TRAIN)
    predict = _call(
        base,
        "automl_predict",
        key,
        project_name=PROJECT,
        collection_name=TRAIN,
        model_name=MODEL,
        prediction_dataset=PREDICT,
    )
    return {
        "projects": projects,
        "collections": collections,
        "models": _stable(models),
        "predict": _stable(predict),
    }


def example(base: str, key: str, state: str) -> int:
    env = {**os.environ, "VECML_API_URL": f"{base}/api", "VECML_API_KEY": key}
    result = subprocess.run(
        [sys.executable, str(EXAMPLE)], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    calls = [line for line in result.stdout.splitlines() if line.startswith("Request to ")]
    if result.returncode != 0 or "Request to automl_predict: HTTP 200" not in calls:
        print(result.stdout[-3000:], result.stderr[-3000:], sep="\n", file=sys.stderr)
        print(f"example workflow FAILED (exit {result.returncode})", file=sys.stderr)
        return 1
    snap = snapshot(base, key)
    Path(state).write_text(json.dumps(snap, sort_keys=True))
    codes = sorted({line.rsplit(" ", 1)[-1] for line in calls})
    print(
        f"example workflow: {len(calls)} requests (HTTP {', '.join(codes)}); "
        f"collections {snap['collections']}; model {MODEL} trained; automl_predict answered"
    )
    return 0


def verify(base: str, key: str, state: str) -> int:
    before = json.loads(Path(state).read_text())
    after = json.loads(json.dumps(snapshot(base, key), sort_keys=True))
    for part in ("projects", "collections", "models", "predict"):
        if before[part] != after[part]:
            print(f"{part} differ after the restart:\n before {before[part]}\n after  {after[part]}", file=sys.stderr)
            return 1
    print(f"kept: projects {after['projects']}, collections {after['collections']}, model {MODEL}, same predictions")
    return 0


def mark(base: str, key: str, project: str) -> int:
    _call(base, "create_project", key, project_name=project, application="ci")
    return has(base, key, project)


def has(base: str, key: str, project: str) -> int:
    names = [p["project_name"] for p in _call(base, "list_projects", key)["projects"]]
    print(f"projects of the key: {names}")
    return 0 if project in names else 1


def metrics(base: str) -> int:
    status, text = _request(f"{base}/metrics")
    if status == 404:
        print("/metrics: not served by this version (404)")
        return 0
    samples = [line for line in text.splitlines() if line and not line.startswith("#")]
    if status != 200 or not samples:
        print(f"/metrics: HTTP {status}, {len(samples)} samples: {text[:300]}", file=sys.stderr)
        return 1
    print(f"/metrics: HTTP 200, {len(samples)} samples")
    return 0


def kernels(base: str, seconds: str) -> int:
    deadline = time.monotonic() + float(seconds)
    seen: list[str] = []
    while time.monotonic() < deadline:
        status, text = _request(f"{base}/ready")
        state = json.loads(text).get("kernels", "absent") if text.startswith("{") else "absent"
        if not seen or seen[-1] != state:
            seen.append(state)
        if state == "compiling":
            print("numba kernels: compiling at start: the image's cache was not used", file=sys.stderr)
            return 1
        if state in ("ready", "absent", "off"):
            print(f"numba kernels: {' -> '.join(seen)}")
            return 0 if state != "off" else 1
        time.sleep(0.5)
    print(f"numba kernels: {' -> '.join(seen)} after {seconds} s", file=sys.stderr)
    return 1


def cluster(base: str, key: str, seconds: str) -> int:
    deadline = time.monotonic() + float(seconds)
    while True:
        status, text = _request(f"{base}/ready")
        executor = json.loads(text).get("checks", {}).get("executor") if text.startswith("{") else None
        if executor is True:
            break
        if time.monotonic() > deadline:
            print(f"/ready never reported the Dask executor up: HTTP {status} {text[:300]}", file=sys.stderr)
            return 1
        time.sleep(0.5)
    env = {**os.environ, "VECML_API_URL": f"{base}/api", "VECML_API_KEY": key}
    result = subprocess.run(
        [sys.executable, str(EXAMPLE)], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    lines = result.stdout.splitlines()
    # the example prints each answer as "Response: {python dict}" after its "Request to ..." line
    statuses = [
        ast.literal_eval(answer.removeprefix("Response: "))
        for request, answer in zip(lines, lines[1:])
        if request.startswith("Request to get_automl_training_status") and answer.startswith("Response: {")
    ]
    finished = [s for s in statuses if s.get("status") == "finished"]
    if result.returncode != 0 or not finished:
        print(result.stdout[-3000:], result.stderr[-3000:], sep="\n", file=sys.stderr)
        print(f"example workflow on the cluster FAILED (exit {result.returncode})", file=sys.stderr)
        return 1
    last = finished[-1]
    if last.get("executor") != "dask" or not str(last.get("worker", "")).startswith("tcp://"):
        print(f"the training status names no Dask worker: {last}", file=sys.stderr)
        return 1
    print(f"example workflow on the cluster: training ran on Dask worker {last['worker']}")
    return 0


def main(argv: list[str]) -> int:
    commands = {
        "example": example,
        "verify": verify,
        "mark": mark,
        "has": has,
        "metrics": metrics,
        "kernels": kernels,
        "cluster": cluster,
    }
    if not argv or argv[0] not in commands:
        print(__doc__, file=sys.stderr)
        return 2
    return int(commands[argv[0]](*argv[1:]))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
