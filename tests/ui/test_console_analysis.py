"""The console's vector-analysis panel in-process: started from the collection page's form,
read on its own page, every number the API's (`get_vector_analysis`), user values escaped."""

from __future__ import annotations

import html
import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sklearn.datasets import load_digits

from tests.database import fresh_database_url
from tests.support import new_key
from tests.ui.test_console import XSS, field_errors, sign_in
from vecml_local.app import create_app
from vecml_local.config import Settings

BASE = "/ui/projects/P/collections/d"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"), database_url=fresh_database_url())
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _api(client: TestClient, key: str, endpoint: str, **fields: Any) -> Any:
    body = client.post(f"/api/{endpoint}", json={"user_api_key": key, **fields}).json()
    assert body["success"] is True, (endpoint, body)
    return body


def _digits(client: TestClient, key: str) -> None:
    """300 digits with `label`, a `pred` wrong for class 3, a `split` and a hostile `note`."""
    X, y = load_digits(return_X_y=True)
    X, y = X[:300], y[:300]
    _api(client, key, "create_project", project_name="P", application="analysis")
    _api(client, key, "init", project_name="P", collection_name="d", vector_type="dense", vector_dim=64)
    attrs = [
        {"label": int(t), "pred": int((t + 5) % 10 if t == 3 else t), "split": XSS if i % 3 else "test", "note": XSS}
        for i, t in enumerate(y)
    ]
    ids = [f"d{i}" for i in range(len(X))]
    job = _api(client, key, "add_data_batch", project_name="P", collection_name="d", data=X.tolist(),
               string_ids=ids, attributes=attrs)  # fmt: skip
    _wait(lambda: _api(client, key, "get_upload_data_status", job_id=job["job_id"])["status"])


def _wait(status: Any, timeout: float = 120.0) -> str:
    deadline = time.monotonic() + timeout
    while (value := status()) not in ("finished", "failed"):
        assert time.monotonic() < deadline, f"still {value!r} after {timeout}s"
        time.sleep(0.05)  # polling interval, not a wait for an outcome
    return str(value)


def _analysis_status(client: TestClient, key: str, name: str) -> str:
    listed = _api(client, key, "list_vector_analyses", project_name="P", collection_name="d")["analyses"]
    return next(a["status"] for a in listed if a["analysis_name"] == name)


def test_analysis_panel_page_and_samples_show_the_apis_answer(client: TestClient) -> None:
    key = new_key()
    token = sign_in(client, key)
    _digits(client, key)
    collection = client.get(BASE).text
    assert 'id="analysis-form"' in collection and "No analyses yet." in collection

    # a refused form: the API's own message, next to the field it names, values kept
    refused = client.post(
        BASE + "/analyses", data={"csrf_token": token, "analysis_name": "a1", "label_attribute": "label"}
    )
    assert refused.status_code == 400
    assert "prediction_attribute" in field_errors(refused.text)["model_name"]
    assert 'value="a1"' in refused.text
    no_csrf = client.post(BASE + "/analyses", data={"analysis_name": "a1", "prediction_attribute": "pred"})
    assert no_csrf.status_code == 403

    form = {"csrf_token": token, "analysis_name": "a1", "prediction_attribute": "pred", "label_attribute": "label",
            "split_attribute": "split", "reduction": "pca"}  # fmt: skip
    started = client.post(BASE + "/analyses", data=form, follow_redirects=False)
    assert started.status_code == 303 and started.headers["location"] == BASE + "/analysis/a1"
    assert _wait(lambda: _analysis_status(client, key, "a1")) == "finished"
    answer = _api(client, key, "get_vector_analysis", project_name="P", collection_name="d", analysis_name="a1",
                  include_projection=True)  # fmt: skip

    collection = client.get(BASE).text
    assert f'href="{BASE}/analysis/a1"' in collection and "status-finished" in collection

    page = client.get(BASE + "/analysis/a1").text
    # clusters in the API's order (worst first), with the API's numbers
    rows = re.findall(r'<tr class="clickable" data-cluster="(-?\d+)"(.*?)</tr>', page, re.S)
    assert [int(c) for c, _ in rows] == [c["id"] for c in answer["clusters"]]
    for (_, row), cluster in zip(rows, answer["clusters"]):
        assert re.search(r'data-field="num_vectors">(\d+)<', row).group(1) == str(cluster["num_vectors"])  # type: ignore[union-attr]
        shown = dict(re.findall(r'data-metric="(\w+)">([^<]*)<', row))
        assert shown == {k: "" if v is None else str(v) for k, v in cluster["metrics"].items()}
    # the chart holds one point per projected vector
    figure = json.loads(html.unescape(re.search(r'data-chart="analysis" data-figure="([^"]*)"', page).group(1)))  # type: ignore[union-attr]
    assert sum(len(trace["x"]) for trace in figure["data"]) == len(answer["projection"]["x"]) == 300
    # the hostile split value is text, never markup
    assert XSS not in page and html.escape(XSS, quote=False) in page
    assert "<script>" not in page.split("</head>")[1]

    # clicking the worst cluster lists its sample vectors with their attributes (get_data)
    worst = answer["clusters"][0]
    samples = client.get(f"{BASE}/analysis/a1/clusters/{worst['id']}").text
    assert re.findall(r'data-field="string_id">([^<]*)<', samples) == worst["sample_ids"]
    assert XSS not in samples and html.escape(XSS, quote=False) in samples

    # a failed analysis shows the job's error, escaped (a hostile "prediction" is not a number)
    failing = {**form, "analysis_name": "a2", "prediction_attribute": "note", "task_type": "regression"}
    assert client.post(BASE + "/analyses", data=failing, follow_redirects=False).status_code == 303
    assert _wait(lambda: _analysis_status(client, key, "a2")) == "failed"
    failed = client.get(BASE + "/analysis/a2").text
    assert "is not a number" in failed and XSS not in failed and 'data-chart="analysis"' not in failed


def test_unknown_analysis_is_not_found_and_deleting_asks_first(client: TestClient) -> None:
    key = new_key()
    token = sign_in(client, key)
    _api(client, key, "create_project", project_name="P", application="analysis")
    assert client.get(BASE + "/analysis/nope").status_code == 404
    confirm = client.get("/ui/delete/analysis?project=P&collection=d&analysis=nope")
    assert confirm.status_code == 200 and "Delete analysis" in confirm.text
    refused = client.post("/ui/delete/analysis", data={"csrf_token": token, "project": "P", "collection": "d",
                                                      "analysis": "nope"})  # fmt: skip
    assert refused.status_code == 400 and "does not exist" in refused.text
