"""The console in-process: sign-in, CSRF, escaping, tenants, forms calling the API's services.
(The same flows in a real browser are in tests/browser.)"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.database import fresh_database_url
from tests.support import new_key, wait_for_job
from vecml_local.app import create_app
from vecml_local.config import Settings

XSS = "<img src=x onerror=alert(1)>"
CSV = "a,b,note\n" + "".join(f"{i},{i % 3},{XSS if i == 2 else 'plain'}\n" for i in range(120))


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"), database_url=fresh_database_url())
    return create_app(settings)


@pytest.fixture(scope="module")
def server(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app) as client:
        yield client


def _browser(app, server: TestClient) -> TestClient:  # type: ignore[no-untyped-def]
    """A second cookie jar on the same running app (lifespan already started)."""
    return TestClient(app)


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def sign_in(client: TestClient, key: str) -> str:
    token = csrf(client.get("/ui/signin").text)
    response = client.post("/ui/signin", data={"api_key": key, "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return csrf(client.get("/").text)


def field_errors(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-error-for="([\w-]+)">([^<]*)<', html))


def test_pages_need_a_signed_in_key_and_send_security_headers(server: TestClient) -> None:
    response = server.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/ui/signin"
    page = server.get("/ui/signin")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-eval" not in policy.split("script-src")[1].split(";")[0]
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert 'name="api_key"' in page.text


def test_sign_in_keeps_the_key_out_of_urls_and_pages_and_sign_out_ends_it(app, server: TestClient) -> None:  # type: ignore[no-untyped-def]
    client = _browser(app, server)
    key = new_key()
    token = sign_in(client, key)
    home = client.get("/")
    assert home.status_code == 200 and key not in home.text and key not in str(home.url)
    client.post("/ui/signout", data={"csrf_token": token})
    assert client.get("/", follow_redirects=False).status_code == 303


def test_the_key_never_reaches_a_log_line(app, server: TestClient, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    client = _browser(app, server)
    key = new_key()
    with caplog.at_level("DEBUG"):
        sign_in(client, key)
        client.get("/")
    assert caplog.records and key not in caplog.text


def test_state_changing_forms_refuse_a_missing_or_wrong_csrf_token(app, server: TestClient) -> None:  # type: ignore[no-untyped-def]
    client = _browser(app, server)
    sign_in(client, new_key())
    for token in (None, "forged"):
        data = {"project_name": "P"} if token is None else {"project_name": "P", "csrf_token": token}
        assert client.post("/ui/projects", data=data).status_code == 403
    assert "/ui/projects/P" not in client.get("/").text


def test_api_errors_show_next_to_their_field(app, server: TestClient) -> None:  # type: ignore[no-untyped-def]
    client = _browser(app, server)
    token = sign_in(client, new_key())
    response = client.post("/ui/projects", data={"project_name": "bad name", "csrf_token": token})
    assert response.status_code == 400 and "letters, digits" in field_errors(response.text)["project_name"]


@pytest.mark.slow  # trains k-means and computes metrics: 5-20 s on the shared machine
def test_upload_train_and_escaped_cells(app, server: TestClient) -> None:  # type: ignore[no-untyped-def]
    client = _browser(app, server)
    key = new_key()
    token = sign_in(client, key)
    client.post("/ui/projects", data={"project_name": "P", "csrf_token": token})
    fields = {"csrf_token": token, "collection_name": "c", "file_format": "csv", "has_field_names": "true"}
    response = client.post(
        "/ui/projects/P/upload", data={**fields, "vector_attributes": "note"}, files={"file": ("d.csv", CSV.encode())}
    )
    assert response.status_code == 200 and "/ui/jobs" in str(response.url)
    job_id = re.search(r'data-job-id="([^"]+)"', response.text).group(1)  # type: ignore[union-attr]
    post = lambda e, b: client.post(f"/api/{e}", json=b).json()  # noqa: E731
    assert wait_for_job(post, key, job_id)["status"] == "finished"
    page = client.get("/ui/projects/P/collections/c").text
    assert XSS not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert page.count("<tr><td>") >= 50  # a full first page of the preview
    bad = client.post(
        "/ui/projects/P/collections/c/train/kmeans", data={"csrf_token": token, "cluster_model_name": "k"}
    )
    assert bad.status_code == 400 and "n_clusters" in field_errors(bad.text)["n_clusters"]
    ok = client.post(
        "/ui/projects/P/collections/c/train/kmeans",
        data={"csrf_token": token, "cluster_model_name": "k", "n_clusters": "3"},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    listed = post("list_jobs", {"user_api_key": key, "kind": "clustering"})["jobs"]
    assert wait_for_job(post, key, listed[0]["job_id"], "get_clustering_training_status")["status"] == "finished"
    model = client.get("/ui/projects/P/collections/c/clustering/k").text
    assert 'data-chart="cluster-sizes"' in model
    metrics = client.get("/ui/projects/P/collections/c/clustering/k/metrics?ground_truth_attribute=note").text
    assert 'data-metric="adjusted_rand_index"' in metrics


def test_two_keys_never_see_each_other(app, server: TestClient) -> None:  # type: ignore[no-untyped-def]
    alice, bob = _browser(app, server), _browser(app, server)
    token = sign_in(alice, new_key())
    sign_in(bob, new_key())
    alice.post("/ui/projects", data={"project_name": "alice-only", "csrf_token": token})
    assert "alice-only" in alice.get("/").text
    assert "alice-only" not in bob.get("/").text
    assert bob.get("/ui/projects/alice-only").status_code == 404


def test_keys_mode_refuses_a_wrong_key_without_saying_why(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path, database_url=fresh_database_url(), auth="keys")
    with TestClient(create_app(settings)) as client:
        created = client.app.state.services.keys.create("console test")  # type: ignore[attr-defined]
        token = csrf(client.get("/ui/signin").text)
        wrong = client.post("/ui/signin", data={"api_key": "vml_wrong", "csrf_token": token})
        assert wrong.status_code == 401
        assert field_errors(wrong.text)["api_key"] == "Sign-in failed: that API key is not accepted by this server"
        assert sign_in(client, created.key)


def test_every_form_page_renders(app, server: TestClient) -> None:  # type: ignore[no-untyped-def]
    client = _browser(app, server)
    token = sign_in(client, new_key())
    client.post("/ui/projects", data={"project_name": "P", "csrf_token": token})
    client.post("/api/init", json={"user_api_key": "x", "project_name": "P"})  # another key: no effect here
    base = "/ui/projects/P/collections/c"
    for url in ["/ui/projects/P/upload", "/ui/jobs", "/ui/delete/project?project=P"]:
        response = client.get(url)
        assert response.status_code == 200 and "csrf_token" in response.text, url
    for url in [
        base + "/labels",
        base + "/train/automl",
        base + "/train/kmeans",
        base + "/train/dbscan",
        base + "/train/hdbscan",
    ]:
        assert client.get(url).status_code == 200, url


def _upload(client: TestClient, key: str, token: str, project: str = "P") -> None:
    client.post("/ui/projects", data={"project_name": project, "csrf_token": token})
    fields = {"csrf_token": token, "collection_name": "c", "file_format": "csv", "has_field_names": "true"}
    client.post(
        f"/ui/projects/{project}/upload",
        data={**fields, "vector_attributes": "note"},
        files={"file": ("d.csv", CSV.encode())},
    )
    post = lambda e, b: client.post(f"/api/{e}", json=b).json()  # noqa: E731
    for job in post("list_jobs", {"user_api_key": key})["jobs"]:
        wait_for_job(post, key, job["job_id"])


def test_failed_jobs_show_their_error_and_dbscan_trains_from_its_form(app, server: TestClient) -> None:  # type: ignore[no-untyped-def]
    client = _browser(app, server)
    key = new_key()
    token = sign_in(client, key)
    _upload(client, key, token)
    too_many = "\n".join(["x"] * 500).encode()  # more labels than vectors: the job fails
    response = client.post(
        "/ui/projects/P/collections/c/labels",
        data={"csrf_token": token, "label_name": "y"},
        files={"file": ("y.txt", too_many)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    response = client.post(
        "/ui/projects/P/collections/c/train/dbscan",
        data={"csrf_token": token, "cluster_model_name": "db", "eps": "1.5", "min_samples": "3"},
        follow_redirects=False,
    )
    assert response.status_code == 303, field_errors(response.text)
    post = lambda e, b: client.post(f"/api/{e}", json=b).json()  # noqa: E731
    for job in post("list_jobs", {"user_api_key": key})["jobs"]:
        wait_for_job(post, key, job["job_id"], "get_clustering_training_status")
    jobs = client.get("/ui/jobs").text
    assert "the label file has 500 values but collection" in jobs and 'data-status="failed"' in jobs
    assert 'data-chart="cluster-sizes"' in client.get("/ui/projects/P/collections/c/clustering/db").text


def test_deleting_asks_first_then_removes(app, server: TestClient) -> None:  # type: ignore[no-untyped-def]
    client = _browser(app, server)
    key = new_key()
    token = sign_in(client, key)
    _upload(client, key, token, project="Q")
    confirm = client.get("/ui/delete/collection?project=Q&collection=c")
    assert confirm.status_code == 200 and 'id="confirm-delete"' in confirm.text
    assert client.get("/ui/projects/Q/collections/c").status_code == 200  # nothing deleted yet
    done = client.post(
        "/ui/delete/collection", data={"csrf_token": token, "project": "Q", "collection": "c"}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"] == "/ui/projects/Q"
    assert client.get("/ui/projects/Q/collections/c").status_code == 404
    again = client.post("/ui/delete/collection", data={"csrf_token": token, "project": "Q", "collection": "c"})
    assert again.status_code == 400 and "does not exist" in again.text
    client.post("/ui/delete/project", data={"csrf_token": token, "project": "Q"})
    assert client.post("/api/list_projects", json={"user_api_key": key}).json()["projects"] == []


@pytest.mark.slow  # trains a model: ~7 s on the shared machine
def test_regression_model_page_draws_predicted_against_actual(app, server: TestClient) -> None:  # type: ignore[no-untyped-def]
    client = _browser(app, server)
    key = new_key()
    token = sign_in(client, key)
    client.post("/ui/projects", data={"project_name": "R", "csrf_token": token})
    rows = "x1,x2,target\n" + "".join(f"{i % 10},{i % 7},{2 * (i % 10) + 0.5 * (i % 7)}\n" for i in range(80))
    fields = {"csrf_token": token, "collection_name": "c", "file_format": "csv", "has_field_names": "true"}
    client.post(
        "/ui/projects/R/upload", data={**fields, "vector_attributes": "target"}, files={"file": ("r.csv", rows)}
    )
    post = lambda e, b: client.post(f"/api/{e}", json=b).json()  # noqa: E731
    wait_for_job(post, key, post("list_jobs", {"user_api_key": key})["jobs"][0]["job_id"])
    form = {"csrf_token": token, "model_name": "reg", "task_type": "regression", "label_attribute": "target"}
    trained = client.post("/ui/projects/R/collections/c/train/automl", data={**form, "training_mode": "linear_model"})
    assert trained.status_code == 200, field_errors(trained.text)
    job = post("list_jobs", {"user_api_key": key, "kind": "automl_training"})["jobs"][0]["job_id"]
    assert wait_for_job(post, key, job, "get_automl_training_status")["status"] == "finished"
    page = client.get("/ui/projects/R/collections/c/automl/reg").text
    assert 'data-metric="mse"' in page and 'data-chart="importance"' in page
    evaluation = client.get("/ui/projects/R/collections/c/automl/reg/evaluation").text
    figure = re.search(r'data-chart="pred-vs-actual" data-figure="([^"]+)"', evaluation)
    assert figure is not None
    points = json.loads(html.unescape(figure.group(1)))["data"][0]
    assert len(points["x"]) == len(points["y"]) == 80
