"""Plotly figures (plain dicts) built from the API's own answers.

SVG traces only (`scatter`, `bar`, `heatmap`): no WebGL, so the pages draw in any browser,
headless ones included, and need no `eval`.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

__all__ = [
    "kdist_figure",
    "importance_figure",
    "confusion_figure",
    "pred_vs_actual_figure",
    "cluster_sizes_figure",
    "tsne_figure",
    "analysis_figure",
]

PALETTE = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
]  # fmt: skip
NOISE_COLOUR = "#b0b0b0"


def _layout(title: str, x: str, y: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": {"text": title},
        "xaxis": {"title": {"text": x}},
        "yaxis": {"title": {"text": y}},
        "margin": {"l": 60, "r": 20, "t": 40, "b": 50},
        "height": 360,
        **extra,
    }


def kdist_figure(answer: dict[str, Any]) -> dict[str, Any]:
    grid = list(answer.get("kdist_grid_desc") or [])
    data: list[dict[str, Any]] = [
        {"type": "scatter", "mode": "lines+markers", "x": list(range(len(grid))), "y": grid, "name": "k-distance"}
    ]
    layout = _layout(f"{answer.get('k')}-distance, descending", "sample (sorted)", "distance")
    eps = answer.get("suggested_eps")
    if isinstance(eps, int | float):
        layout["shapes"] = [
            {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": eps, "y1": eps, "line": {"dash": "dash"}}
        ]
        layout["annotations"] = [
            {
                "xref": "paper",
                "x": 1,
                "y": eps,
                "text": f"suggested eps {eps:.4g}",
                "showarrow": False,
                "yanchor": "bottom",
                "xanchor": "right",
            }
        ]
    return {"data": data, "layout": layout}


def importance_figure(importance: list[dict[str, Any]], top: int = 50) -> dict[str, Any]:
    rows = importance[:top][::-1]  # largest at the top of a horizontal bar chart
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "x": [float(r["importance"]) for r in rows],
            "y": [str(r["feature"]) for r in rows],
        }
    ]
    height = max(300, 22 * len(rows) + 80)
    return {
        "data": data,
        "layout": _layout(
            "Feature importance", "importance", "", height=height, margin={"l": 160, "r": 20, "t": 40, "b": 50}
        ),
    }


def confusion_figure(classes: list[str], matrix: list[list[int]]) -> dict[str, Any]:
    data = [
        {
            "type": "heatmap",
            "z": matrix,
            "x": classes,
            "y": classes,
            "colorscale": "Blues",
            "reversescale": True,  # plotly.js's Blues runs dark to light
            "texttemplate": "%{z}",
            "hovertemplate": "actual %{y}<br>predicted %{x}<br>%{z}<extra></extra>",
        }
    ]
    layout = _layout("Confusion matrix", "predicted", "actual")
    layout["xaxis"]["type"] = "category"
    layout["yaxis"].update(type="category", autorange="reversed")
    return {"data": data, "layout": layout}


def pred_vs_actual_figure(actual: list[float], predicted: list[float]) -> dict[str, Any]:
    lo = min([*actual, *predicted], default=0.0)
    hi = max([*actual, *predicted], default=1.0)
    data = [
        {"type": "scatter", "mode": "markers", "x": actual, "y": predicted, "name": "rows", "marker": {"size": 5}},
        {"type": "scatter", "mode": "lines", "x": [lo, hi], "y": [lo, hi], "name": "y = x", "line": {"dash": "dot"}},
    ]
    return {"data": data, "layout": _layout("Predicted vs actual", "actual", "predicted")}


def cluster_sizes(labels: list[int]) -> tuple[list[tuple[int, int]], int]:
    """(cluster, size) sorted by cluster, and the number of noise points (label -1)."""
    counts = Counter(labels)
    noise = counts.pop(-1, 0)
    return sorted(counts.items()), noise


def cluster_sizes_figure(sizes: list[tuple[int, int]], noise: int) -> dict[str, Any]:
    data: list[dict[str, Any]] = [
        {"type": "bar", "name": "clusters", "x": [str(c) for c, _ in sizes], "y": [n for _, n in sizes]}
    ]
    if noise:
        data.append({"type": "bar", "name": "noise", "x": ["noise"], "y": [noise], "marker": {"color": NOISE_COLOUR}})
    layout = _layout("Cluster sizes", "cluster", "vectors")
    layout["xaxis"]["type"] = "category"
    return {"data": data, "layout": layout}


def _by_cluster(xs: list[float], ys: list[float], labels: list[int], title: str) -> dict[str, Any]:
    """One scatter trace per cluster (noise grey), clusters in id order."""
    points: dict[int, tuple[list[float], list[float]]] = {}
    for x, y, label in zip(xs, ys, labels):
        trace = points.setdefault(int(label), ([], []))
        trace[0].append(x)
        trace[1].append(y)
    data = []
    for i, label in enumerate(sorted(points)):
        colour = NOISE_COLOUR if label == -1 else PALETTE[i % len(PALETTE)]
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": "noise" if label == -1 else f"cluster {label}",
                "x": points[label][0],
                "y": points[label][1],
                "marker": {"size": 5, "color": colour},
            }
        )
    return {"data": data, "layout": _layout(title, "x", "y")}


def tsne_figure(embeddings: list[dict[str, Any]]) -> dict[str, Any]:
    return _by_cluster(
        [p["x"] for p in embeddings], [p["y"] for p in embeddings], [p["label"] for p in embeddings], "t-SNE"
    )


def analysis_figure(projection: dict[str, list[Any]], method: str) -> dict[str, Any]:
    """`get_vector_analysis`'s 2-D projection (the first two reduced coordinates), coloured by cluster."""
    figure = _by_cluster(projection["x"], projection["y"], projection["cluster"], f"{method} projection by cluster")
    figure["layout"]["xaxis"]["title"]["text"] = f"{method} 1"
    figure["layout"]["yaxis"]["title"]["text"] = f"{method} 2"
    return figure
