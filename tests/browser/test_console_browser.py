"""The console in real headless Chromium: sign in, create a project, upload a CSV, train k-means
and AutoML from the forms, follow the jobs, and check every page's numbers and charts against
the JSON API; no console errors, no request off the server's origin, user data escaped."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from tests.browser.conftest import Console
from tests.support import new_key

pytestmark = pytest.mark.slow  # a browser and a server process: ~1 min for the module

XSS = "<img src=x onerror=alert(1)>"


def _csv(path: Path) -> Path:
    rng = np.random.default_rng(7)
    centres = {"red": (0, 0, 0, 0), "green": (6, 6, 0, 0), "blue": (0, 6, 6, 0)}
    lines = ["f1,f2,f3,f4,label,note"]
    for i in range(150):
        name = list(centres)[i % 3]
        x = np.asarray(centres[name]) + rng.normal(0, 0.7, 4)
        note = XSS if i == 1 else f"row {i}"
        lines.append(",".join(f"{v:.4f}" for v in x) + f",{name},{note}")
    path.write_text("\n".join(lines) + "\n")
    return path


def api(origin: str, key: str, endpoint: str, **fields: Any) -> Any:
    body = httpx.post(f"{origin}/api/{endpoint}", json={"user_api_key": key, **fields}, timeout=120).json()
    assert body.get("success") is True, (endpoint, body)
    return body


def sign_in(browser: Console, key: str) -> None:
    browser.open("/")
    browser.wait(lambda d: "/ui/signin" in d.current_url)
    browser.fill("form", api_key=key)
    browser.submit("form")


def job_statuses(driver: Any) -> list[str]:
    """The rows' statuses, read in one script (htmx replaces rows while they are read)."""
    return driver.execute_script("return Array.from(document.querySelectorAll('tr.job'), r => r.dataset.status);")


def no_alert(browser: Console) -> bool:
    from selenium.common.exceptions import NoAlertPresentException

    try:
        browser.driver.switch_to.alert  # noqa: B018 - raises when there is none
    except NoAlertPresentException:
        return True
    return False


def test_console_workflow(console_server, open_browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, origin = console_server
    key = new_key()
    browser = open_browser(origin)
    sign_in(browser, key)
    browser.wait(lambda d: d.find_elements("css selector", "#create-project"))
    browser.screenshot("signed-in")

    # create a project, upload a CSV through the form
    browser.fill("#create-project", project_name="demo", application="browser test")
    browser.submit("#create-project")
    browser.wait(lambda d: d.current_url.endswith("/ui/projects/demo"))
    browser.open("/ui/projects/demo/upload")
    browser.fill("#upload-form", collection_name="blobs", vector_attributes="label,note")
    browser.css("#upload-form input[type='file']").send_keys(str(_csv(tmp_path / "blobs.csv")))
    browser.submit("#upload-form")
    browser.wait(lambda d: d.current_url.endswith("/ui/jobs"))
    browser.wait(lambda d: d.find_elements("css selector", "tr.job[data-status='finished']"), message="upload job")

    # train k-means and AutoML from their forms
    base = "/ui/projects/demo/collections/blobs"
    browser.open(base + "/train/kmeans")
    browser.fill("#train-form", cluster_model_name="km", n_clusters="3")
    browser.submit("#train-form")
    browser.wait(lambda d: d.current_url.endswith("/ui/jobs"))
    browser.open(base + "/train/automl")
    browser.fill("#train-form", model_name="am", label_attribute="label", training_mode="high_speed")
    browser.screenshot("train-form")
    browser.submit("#train-form")
    browser.wait(lambda d: d.current_url.endswith("/ui/jobs"))
    browser.screenshot("jobs-running")
    # the Jobs page updates itself (htmx polling) until every job is terminal
    browser.wait(
        lambda d: len(job_statuses(d)) == 3 and all(s in ("finished", "failed") for s in job_statuses(d)),
        message="training jobs never finished on the Jobs page",
    )
    assert job_statuses(browser.driver) == ["finished"] * 3, browser.css("#jobs").text
    assert not browser.all("tr.job[hx-trigger]")  # terminal rows stop polling
    browser.screenshot("jobs")

    # collection page: preview, escaped cell, k-distance curve
    browser.open(base)
    kdist = browser.chart("kdist")
    expected = api(origin, key, "get_dbscan_kdist_plot", project_name="demo", collection_name="blobs")
    assert len(kdist["traces"][0]["y"]) == len(expected["kdist_grid_desc"])
    assert kdist["traces"][0]["y"] == pytest.approx(expected["kdist_grid_desc"])
    eps_line = browser.driver.execute_script(
        "return document.querySelector(\"[data-chart='kdist']\").layout.shapes[0].y0;"
    )
    assert eps_line == pytest.approx(expected["suggested_eps"])
    assert float(browser.css("[data-field='suggested_eps']").text) == pytest.approx(expected["suggested_eps"])
    cells = [c.text for c in browser.all("#preview td")]
    assert XSS in cells and not browser.all("#preview img") and no_alert(browser)
    assert len(browser.all("#preview tbody tr")) == 50
    browser.screenshot("collection")

    # k-means model page: cluster sizes, metrics, t-SNE
    browser.open(base + "/clustering/km")
    sizes = browser.chart("cluster-sizes")
    labels = api(origin, key, "get_clustering_labels", project_name="demo", collection_name="blobs", model_name="km")
    counts = Counter(labels["labels"])
    assert len(sizes["traces"][0]["x"]) == 3
    assert dict(zip([int(x) for x in sizes["traces"][0]["x"]], sizes["traces"][0]["y"])) == dict(counts)
    browser.wait(lambda d: d.find_elements("css selector", "#metrics [data-metric='silhouette']"))
    metrics = api(
        origin, key, "compute_clustering_metrics", project_name="demo", collection_name="blobs", model_name="km"
    )
    shown = float(browser.css("#metrics [data-metric='silhouette']").text)
    assert shown == pytest.approx(metrics["metrics"]["silhouette"])
    browser.fill("#tsne-form", max_samples="120", perplexity="10", max_iter="250")
    browser.submit("#tsne-form")
    tsne = browser.chart("tsne")
    assert sum(len(t["x"]) for t in tsne["traces"]) == 120 and len(tsne["traces"]) == 3
    browser.screenshot("clustering-model")

    # AutoML model page: metrics table, importance bars, confusion matrix, predict form
    browser.open(base + "/automl/am")
    names = {"project_name": "demo", "collection_name": "blobs", "model_name": "am"}
    metric = api(origin, key, "get_model_validation_metric", **names)["validation_metric"]
    for name, value in metric.items():
        assert float(browser.css(f"#validation-metric [data-metric='{name}']").text) == pytest.approx(value)
    importance = browser.chart("importance")
    expected_importance = api(origin, key, "get_feature_importance", **names)["feature_importance"]
    assert len(importance["traces"][0]["x"]) == min(50, len(expected_importance))
    confusion = browser.chart("confusion")
    matrix = confusion["traces"][0]["z"]
    assert len(matrix) == 3 and sum(map(sum, matrix)) == 150
    browser.css("#predict-form input[type='file']").send_keys(str(tmp_path / "blobs.csv"))
    browser.submit("#predict-form")
    browser.wait(lambda d: d.find_elements("css selector", "#prediction-rows tbody tr"))
    assert len(browser.all("#prediction-rows tbody tr")) == 100
    browser.screenshot("automl-model")

    # nothing went wrong in the browser and nothing left the server's origin
    browser.collect_logs()
    errors = [e for e in browser.console if e["level"] == "SEVERE"]
    assert errors == [], errors
    outside = [u for u in browser.requested if not u.startswith(origin) and not u.startswith(("data:", "blob:"))]
    assert outside == [] and browser.requested


def test_two_keys_never_see_each_other(console_server, open_browser) -> None:  # type: ignore[no-untyped-def]
    _, origin = console_server
    alice, bob = open_browser(origin), open_browser(origin)
    sign_in(alice, new_key())
    sign_in(bob, new_key())
    alice.wait(lambda d: d.find_elements("css selector", "#create-project"))
    alice.fill("#create-project", project_name="alice-secret")
    alice.submit("#create-project")
    alice.wait(lambda d: d.current_url.endswith("/ui/projects/alice-secret"))
    bob.open("/")
    assert "alice-secret" not in bob.css("#projects").text
    bob.open("/ui/projects/alice-secret")
    assert "does not exist" in bob.css("main").text


def test_keys_mode_refuses_a_wrong_key(keys_server, open_browser) -> None:  # type: ignore[no-untyped-def]
    origin, valid = keys_server
    browser = open_browser(origin)
    sign_in(browser, "vml_not-a-key")
    message = browser.wait(lambda d: d.find_elements("css selector", "[data-error-for='api_key']"))[0].text
    assert message == "Sign-in failed: that API key is not accepted by this server"
    assert "/ui/signin" in browser.driver.current_url
    sign_in(browser, valid)
    browser.wait(lambda d: d.find_elements("css selector", "#create-project"))
