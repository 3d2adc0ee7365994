"""Figures built from the API's answers: one bar or point per item, noise apart, eps marked."""

from __future__ import annotations

from vecml_local.ui import charts


def test_kdist_marks_the_suggested_eps_when_the_answer_has_one() -> None:
    answer = {"k": 5, "kdist_grid_desc": [3.0, 2.0, 1.0, 0.5]}
    plain = charts.kdist_figure(answer)
    assert plain["data"][0]["y"] == [3.0, 2.0, 1.0, 0.5] and "shapes" not in plain["layout"]
    marked = charts.kdist_figure({**answer, "suggested_eps": 1.25})
    assert marked["layout"]["shapes"][0]["y0"] == 1.25 and "1.25" in marked["layout"]["annotations"][0]["text"]


def test_cluster_sizes_keep_noise_apart() -> None:
    sizes, noise = charts.cluster_sizes([0, 1, 1, -1, 2, -1])
    assert sizes == [(0, 1), (1, 2), (2, 1)] and noise == 2
    figure = charts.cluster_sizes_figure(sizes, noise)
    assert figure["data"][0]["y"] == [1, 2, 1] and figure["data"][1]["name"] == "noise"
    assert len(charts.cluster_sizes_figure(sizes, 0)["data"]) == 1


def test_importance_keeps_the_top_50_largest_first() -> None:
    rows = [{"feature": f"f{i}", "importance": 1 - i / 100} for i in range(60)]
    bars = charts.importance_figure(rows)["data"][0]
    assert len(bars["y"]) == 50 and bars["y"][-1] == "f0"  # horizontal bars: the top one is drawn last


def test_tsne_one_trace_per_cluster_with_noise_grey() -> None:
    points = [{"label": label, "x": float(i), "y": 0.0} for i, label in enumerate([0, 1, -1, 0])]
    traces = charts.tsne_figure(points)["data"]
    assert [t["name"] for t in traces] == ["noise", "cluster 0", "cluster 1"]
    assert sum(len(t["x"]) for t in traces) == 4 and traces[0]["marker"]["color"] == charts.NOISE_COLOUR


def test_analysis_projection_one_trace_per_cluster_every_point_kept() -> None:
    projection = {"x": [0.0, 1.0, 2.0, 3.0, 4.0], "y": [0.0] * 5, "cluster": [2, -1, 0, 2, 0]}
    figure = charts.analysis_figure(projection, "pca")
    assert [t["name"] for t in figure["data"]] == ["noise", "cluster 0", "cluster 2"]
    assert figure["data"][2]["x"] == [0.0, 3.0] and sum(len(t["x"]) for t in figure["data"]) == 5
    assert figure["layout"]["xaxis"]["title"]["text"] == "pca 1"
