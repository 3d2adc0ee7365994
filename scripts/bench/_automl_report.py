"""The report of scripts/bench/automl.py, written from its results file (JSON lines):
tables of test metrics and times, the mean rank of each system, the goals."""

from __future__ import annotations

import json
import math
import statistics
from pathlib import Path

from _automl_tables import ALL

MODES = ("linear_model", "high_speed", "balanced", "high_accuracy")
PEERS = ("lgbm_default", "flaml", "ag_medium", "ag_good")
SYSTEMS = MODES + PEERS


def read(results: Path) -> list[dict]:
    if not results.exists():
        return []
    return [json.loads(line) for line in results.read_text().splitlines() if line.strip()]


def _latest(rows: list[dict]) -> dict[tuple[str, str], dict]:
    out: dict[tuple[str, str], dict] = {}
    for r in rows:
        out[(r["dataset"], r["system"])] = r
    return out


def _primary(task: str) -> tuple[str, int]:
    """The ranking metric and its sign (+1: higher is better)."""
    return ("accuracy", 1) if task == "classification" else ("rmse", -1)


def _cell(r: dict | None) -> str:
    if r is None:
        return "—"
    if "error" in r:
        return "no model"
    m = r["metrics"]
    text = f"{m['accuracy']:.4f} / {m['macro_f1']:.4f}" if "accuracy" in m else f"{m['rmse']:.4g}"
    return f"{text} ({r['seconds']:.0f} s)"


def _ranks(values: dict[str, float]) -> dict[str, float]:
    """Rank 1 = best (values already signed so that higher is better); ties share the mean rank."""
    ordered = sorted(values, key=lambda s: -values[s])
    ranks: dict[str, float] = {}
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and (
            values[ordered[j + 1]] == values[ordered[i]] or abs(values[ordered[j + 1]] - values[ordered[i]]) <= 1e-12
        ):
            j += 1
        for s in ordered[i : j + 1]:
            ranks[s] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def report(results: Path, header: list[str]) -> str:
    rows = read(results)
    best = _latest(rows)
    datasets = [d for d in (*ALL, "synthetic_100k") if any(k[0] == d for k in best)]
    systems = [s for s in SYSTEMS if any(k[1] == s for k in best)]
    lines = [*header, ""]
    for task, title, what in (
        ("classification", "Classification", "test `accuracy / macro-F1` (training wall seconds)"),
        ("regression", "Regression", "test RMSE (training wall seconds)"),
    ):
        names = [d for d in datasets if next(r for k, r in best.items() if k[0] == d)["task"] == task]
        if not names:
            continue
        lines += [f"## {title}: {what}", "", "| dataset | " + " | ".join(systems) + " |"]
        lines.append("|---|" + "---|" * len(systems))
        for d in names:
            lines.append(f"| {d} | " + " | ".join(_cell(best.get((d, s))) for s in systems) + " |")
        lines.append("")
    lines += ["## Tables", ""]
    for d in datasets:
        r = next(r for k, r in best.items() if k[0] == d)
        lines.append(f"- `{d}`: {r['note']}; {r['rows']:,} labelled rows.")
    # mean rank over the tables where every system has a result
    # tables where every system ran (a system that failed there ranks last)
    complete = [d for d in datasets if all((d, s) in best for s in systems)]
    if complete:
        totals = {s: 0.0 for s in systems}
        for d in complete:
            key, sign = _primary(best[(d, systems[0])]["task"])
            ranks = _ranks(
                {s: sign * best[(d, s)]["metrics"][key] if "metrics" in best[(d, s)] else -math.inf for s in systems}
            )
            for s in systems:
                totals[s] += ranks[s]
        lines += [
            "",
            f"## Mean rank ({len(complete)} tables; by accuracy or RMSE; 1 = best; a failed run ranks last)",
            "",
            "| " + " | ".join(systems) + " |",
            "|" + "---|" * len(systems),
            "| " + " | ".join(f"{totals[s] / len(complete):.2f}" for s in systems) + " |",
        ]
    lines += ["", "## Goals", "", *goals(best, datasets)]
    return "\n".join(lines) + "\n"


def goals(best: dict, datasets: list[str]) -> list[str]:
    out = []
    over = [
        f"{d} {m} {best[(d, m)]['seconds']:.1f} s > {best[(d, m)]['budget']} s"
        for d in datasets
        for m in MODES
        if (d, m) in best and best[(d, m)].get("budget") and best[(d, m)]["seconds"] > best[(d, m)]["budget"]
    ]
    ran = sum(1 for d in datasets for m in MODES if (d, m) in best)
    out.append(
        f"- Modes inside their budget: {ran - len(over)} of {ran} runs"
        + (f"; over: {'; '.join(over)}." if over else ".")
    )
    if ("digits", "high_accuracy") in best:
        s = best[("digits", "high_accuracy")]["seconds"]
        out.append(f"- digits `high_accuracy`: {s:.1f} s (goal < 120 s) -> {'ok' if s < 120 else 'MISSED'}.")

    def compare(a: str, b: str) -> tuple[list[float], list[str]]:
        rel, worse = [], []
        for d in datasets:
            if "metrics" not in best.get((d, a), {}) or "metrics" not in best.get((d, b), {}):
                continue
            key, sign = _primary(best[(d, a)]["task"])
            x, y = best[(d, a)]["metrics"][key], best[(d, b)]["metrics"][key]
            rel.append(sign * (x - y) / abs(y) if y else 0.0)
            if sign * (x - y) < -1e-12:
                worse.append(f"{d} ({x:.4g} vs {y:.4g})")
        return rel, worse

    for a, b, goal in (
        ("high_accuracy", "ag_medium", "on average"),
        ("high_accuracy", "ag_good", "(reported)"),
        ("high_accuracy", "flaml", "(reported)"),
        ("high_accuracy", "balanced", "on every table"),
        ("balanced", "lgbm_default", "on every table"),
    ):
        rel, worse = compare(a, b)
        if rel:
            out.append(
                f"- `{a}` vs `{b}` {goal}: mean relative difference {statistics.mean(rel) * 100:+.2f} % "
                f"(positive = ours better) over {len(rel)} tables; worse on {len(worse)}"
                + (f": {', '.join(worse)}." if worse else ".")
            )
    lat = [r for r in best.values() if r["system"] == "predict_latency"]
    if lat:
        r = lat[-1]
        out.append(
            f"- one-row inline `automl_predict` (CSV with header, 30 features, high_speed model, cached, keep-alive "
            f"client, real server process): median {r['median_ms']:.1f} ms, p90 {r['p90_ms']:.1f} ms (goal < 20 ms)."
        )
    return out
