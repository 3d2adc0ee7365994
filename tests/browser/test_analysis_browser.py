"""The vector-analysis panel in real headless Chromium: start an analysis from the collection
page's form, the page reloads itself when the job ends, the projection is drawn with one point
per analysed vector, clicking a cluster row lists its sample vectors; user data stays text."""

from __future__ import annotations

import numpy as np
import pytest

from tests.browser.test_console_browser import XSS, api, no_alert, sign_in
from tests.support import new_key

pytestmark = pytest.mark.slow  # a browser and a server process


def test_analysis_panel_in_a_browser(console_server, open_browser) -> None:  # type: ignore[no-untyped-def]
    _, origin = console_server
    key = new_key()
    rng = np.random.default_rng(3)
    X = np.concatenate([rng.normal(c, 0.3, (60, 8)) for c in (0.0, 5.0, 10.0)])
    truth = [str(i // 60) for i in range(len(X))]
    pred = [t if t != "2" else "0" for t in truth]  # the third group is always wrong
    attrs = [{"label": t, "pred": p, "note": XSS} for t, p in zip(truth, pred)]
    api(origin, key, "create_project", project_name="A", application="analysis")
    api(origin, key, "init", project_name="A", collection_name="v", vector_type="dense", vector_dim=8)
    job = api(origin, key, "add_data_batch", project_name="A", collection_name="v", data=X.tolist(),
              string_ids=[f"v{i}" for i in range(len(X))], attributes=attrs)  # fmt: skip
    browser = open_browser(origin)
    sign_in(browser, key)
    browser.wait(lambda d: api(origin, key, "get_upload_data_status", job_id=job["job_id"])["status"] == "finished")

    browser.open("/ui/projects/A/collections/v")
    browser.fill("#analysis-form", analysis_name="a1", prediction_attribute="pred", label_attribute="label",
                 reduction="pca")  # fmt: skip
    browser.submit("#analysis-form")
    figure = browser.chart("analysis")  # drawn after the status poll reloads the finished page
    answer = api(origin, key, "get_vector_analysis", project_name="A", collection_name="v", analysis_name="a1",
                 include_projection=True)  # fmt: skip
    assert sum(len(t["x"]) for t in figure["traces"]) == len(answer["projection"]["x"]) == 180
    rows = browser.all("#clusters tr.clickable")
    assert [int(r.get_attribute("data-cluster")) for r in rows] == [c["id"] for c in answer["clusters"]]
    rows[0].click()
    browser.wait(lambda d: d.find_elements("css selector", "#samples [data-field='string_id']"))
    shown = [c.text for c in browser.all("#samples [data-field='string_id']")]
    assert shown == answer["clusters"][0]["sample_ids"]
    assert XSS in [c.text for c in browser.all("#samples td")] and not browser.all("#samples img")
    browser.collect_logs()
    assert no_alert(browser) and not [e for e in browser.console if e.get("level") == "SEVERE"], browser.console
    assert all(url.startswith(origin) or url.startswith("data:") for url in browser.requested)
