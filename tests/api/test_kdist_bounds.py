"""`get_dbscan_kdist_plot` runs inside the request: work beyond its bound is a 400 naming
the fields to lower, answered before any distance is computed."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api
from vecml_local.ml.clustering import kdist


def test_a_kdist_plot_beyond_the_bound_is_refused_naming_the_fields(
    api: Api, collection: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [[float(i), float(i % 7), float(i % 3), 1.0] for i in range(50)]
    api.wait(api.ok("add_data_batch", project_name="P", collection_name="c", data=rows)["job_id"])
    where = {"project_name": "P", "collection_name": "c"}
    assert len(api.ok("get_dbscan_kdist_plot", **where, k=3, dist_type="Cosine")["kdist_grid_desc"]) == 200

    monkeypatch.setattr(kdist, "MAX_WORK", 50 * 4 * 10)  # 10 sampled points' worth
    status, body = api.call("get_dbscan_kdist_plot", **where, k=3, dist_type="Cosine")
    assert status == 400 and "max_num_samples" in body["error_message"] and "to 10 or less" in body["error_message"]
    assert api.ok("get_dbscan_kdist_plot", **where, k=3, max_num_samples=10, dist_type="Cosine")["success"]

    monkeypatch.setattr(kdist, "MAX_NEIGHBOURS", 100)
    status, body = api.call("get_dbscan_kdist_plot", **where, k=3)  # the k-d tree path is bounded by k too
    assert status == 400 and "lower k or max_num_samples" in body["error_message"]
