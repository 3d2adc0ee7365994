"""Clustering benchmark: our k-means / Hamerly / DBSCAN / t-SNE next to scikit-learn.

Each case runs in its own subprocess (fresh interpreter, numba kernels warmed up
on a tiny input first, data generation not timed) and reports wall time, a
quality figure and the peak RSS of that process. Usage:

    .venv/bin/python scripts/bench/clustering.py [--quick] [--out docs/benchmarks-clustering.md]

k-means cases fit on the full data (max_train_samples >= n) with the same
max_iter (100), tol (1e-4), k (10) and n_init (3) for every implementation.
Data: `make_blobs` (10 centres, std 3) for k-means, 5 centres for DBSCAN, 10
centres in 50-d for t-SNE; plus uniform random 1,000,000 x 8 (no clusters: many
iterations of small moves, the case Hamerly's bounds are made for).
Wall times depend on the host's load: run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time

CASES = {
    # name: (kind, params)
    "kmeans 200,000 x 64": ("kmeans", {"n": 200_000, "d": 64}),
    "kmeans 1,000,000 x 8": ("kmeans", {"n": 1_000_000, "d": 8}),
    "kmeans 1,000,000 x 8 uniform": ("kmeans", {"n": 1_000_000, "d": 8, "uniform": True}),
    "dbscan 50,000 x 2": ("dbscan", {"n": 50_000, "d": 2, "eps": 0.3, "min_samples": 10}),
    "dbscan 20,000 x 16": ("dbscan", {"n": 20_000, "d": 16, "eps": 3.0, "min_samples": 10}),
    "t-SNE 2,000": ("tsne", {"n": 2_000}),
    "t-SNE 10,000": ("tsne", {"n": 10_000}),
}
IMPLS = {
    "kmeans": ["ours kmeans (Lloyd)", "ours kmeans_hamerly", "sklearn lloyd", "sklearn elkan"],
    "dbscan": ["ours dbscan", "sklearn DBSCAN"],
    "tsne": ["ours t-SNE (openTSNE)", "sklearn TSNE"],
}


def _data(kind: str, p: dict):
    import numpy as np
    from sklearn.datasets import make_blobs

    if p.get("uniform"):  # no cluster structure: many small moves, where bounds pay off
        X = np.random.default_rng(0).random((p["n"], p["d"]), dtype=np.float32)
        return X, np.zeros(p["n"], dtype=int)
    if kind == "tsne":
        X, y = make_blobs(p["n"], 50, centers=10, cluster_std=4.0, random_state=0)
    elif kind == "dbscan":
        X, y = make_blobs(p["n"], p["d"], centers=5, random_state=0)
    else:
        X, y = make_blobs(p["n"], p["d"], centers=10, cluster_std=3.0, random_state=0)
    return X.astype(np.float32), y


def _child(kind: str, impl: str, p: dict) -> dict:
    import resource

    import numpy as np

    X, y = _data(kind, p)
    out: dict = {}

    def cpu() -> float:
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    if kind == "kmeans":
        from sklearn.cluster import KMeans

        from vecml_local.ml.clustering.kmeans import fit_kmeans

        if impl.startswith("ours"):
            method = "kmeans_hamerly" if "hamerly" in impl else "kmeans"
            fit_kmeans(X[:2000], n_clusters=10, method=method, n_init=1)  # warm the numba cache
            t, c = time.perf_counter(), cpu()
            r = fit_kmeans(
                X,
                n_clusters=10,
                method=method,
                n_init=3,
                max_train_samples=len(X),
                max_iterations=100,
                tolerance=1e-4,
                num_threads=os.cpu_count() or 2,
            )
            out.update(
                seconds=time.perf_counter() - t,
                cpu=cpu() - c,
                inertia=r.inertia,
                n_iter=r.n_iter,
                iteration_seconds=r.info["seconds"]["iterations"],
            )
        else:
            t, c = time.perf_counter(), cpu()
            km = KMeans(10, n_init=3, max_iter=100, tol=1e-4, algorithm=impl.split()[1], random_state=0).fit(X)
            out.update(
                seconds=time.perf_counter() - t, cpu=cpu() - c, inertia=float(km.inertia_), n_iter=int(km.n_iter_)
            )
    elif kind == "dbscan":
        from sklearn.cluster import DBSCAN

        from vecml_local.ml.clustering.dbscan import fit_dbscan

        if impl.startswith("ours"):
            fit_dbscan(X[:500], eps=p["eps"], min_samples=p["min_samples"])
            t, c = time.perf_counter(), cpu()
            lab = fit_dbscan(X, eps=p["eps"], min_samples=p["min_samples"], num_threads=os.cpu_count() or 2).labels
        else:
            t, c = time.perf_counter(), cpu()
            lab = DBSCAN(eps=p["eps"], min_samples=p["min_samples"]).fit(X).labels_
        out.update(
            seconds=time.perf_counter() - t,
            cpu=cpu() - c,
            n_clusters=int(lab.max() + 1),
            noise=float((lab < 0).mean()),
            labels_crc=int(np.frombuffer(lab.astype(np.int32).tobytes(), dtype=np.uint32).sum() % 2**31),
        )
    else:
        from sklearn.manifold import TSNE
        from sklearn.neighbors import KNeighborsClassifier

        from vecml_local.ml.clustering.tsne import tsne_embed

        if impl.startswith("ours"):
            tsne_embed(X[:200], max_iter=50)
            t, c = time.perf_counter(), cpu()
            _, emb = tsne_embed(X, max_samples=len(X), num_threads=os.cpu_count() or 2)
        else:
            t, c = time.perf_counter(), cpu()
            emb = TSNE(2, perplexity=30.0, max_iter=600, learning_rate=200.0, angle=0.5, random_state=0).fit_transform(
                X
            )
        out["seconds"] = time.perf_counter() - t
        out["cpu"] = cpu() - c
        half = len(X) // 2
        out["knn_acc"] = float(KNeighborsClassifier(5).fit(emb[:half], y[:half]).score(emb[half:], y[half:]))
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return out


def _run(case: str, impl: str) -> dict:
    kind, p = CASES[case]
    cmd = [sys.executable, __file__, "--child", json.dumps([kind, impl, p])]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    if res.returncode != 0:
        return {"error": res.stderr.strip().splitlines()[-1] if res.stderr.strip() else "failed"}
    return json.loads(res.stdout.strip().splitlines()[-1])


def _table(results: dict) -> str:
    lines = [
        "| case | implementation | wall s | CPU s | best scikit-learn wall / ours (>1: ours faster) "
        "| quality | peak RSS (MB) |",
        "|---|---|---:|---:|---:|---|---:|",
    ]
    for case, rows in results.items():
        kind = CASES[case][0]
        sk = [r["seconds"] for name, r in rows.items() if name.startswith("sklearn") and "seconds" in r]
        best_sk = min(sk) if sk else None
        ref_inertia = min(
            (r["inertia"] for n, r in rows.items() if n.startswith("sklearn") and "inertia" in r), default=None
        )
        for name, r in rows.items():
            if "error" in r:
                lines.append(f"| {case} | {name} | error: {r['error']} | | | | |")
                continue
            ratio = f"{best_sk / r['seconds']:.2f}" if best_sk and name.startswith("ours") else ""
            if kind == "kmeans":
                q = f"inertia {r['inertia']:.6g}, {r['n_iter']} iter (best run)"
                if ref_inertia and name.startswith("ours"):
                    q += f", {100 * (r['inertia'] - ref_inertia) / ref_inertia:+.4f}% vs sklearn"
            elif kind == "dbscan":
                q = f"{r['n_clusters']} clusters, noise {r['noise']:.3f}, labels checksum {r['labels_crc']}"
            else:
                q = f"5-NN accuracy of blob labels in 2-D: {r['knn_acc']:.3f}"
            lines.append(
                f"| {case} | {name} | {r['seconds']:.2f} | {r.get('cpu', 0):.2f} | {ratio} | {q} "
                f"| {r['peak_rss_mb']:.0f} |"
            )
        if kind == "kmeans" and "ours kmeans (Lloyd)" in rows and "ours kmeans_hamerly" in rows:
            a, b = rows["ours kmeans (Lloyd)"], rows["ours kmeans_hamerly"]
            if "seconds" in a and "seconds" in b:
                lines.append(
                    f"| {case} | Hamerly vs our Lloyd (Lloyd / Hamerly) | {a['seconds'] / b['seconds']:.2f} "
                    f"| {a.get('cpu', 0) / max(b.get('cpu', 1e-9), 1e-9):.2f} | | | |"
                )
                lines.append(
                    f"| {case} | same, iterations only (Lloyd {a['iteration_seconds']:.2f} s / Hamerly "
                    f"{b['iteration_seconds']:.2f} s; both share the k-means++ seeding) | "
                    f"{a['iteration_seconds'] / b['iteration_seconds']:.2f} | | | | |"
                )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--child")
    ap.add_argument("--quick", action="store_true", help="only the two smallest cases, to check the script")
    ap.add_argument("--only", help="substring of the case names to run")
    ap.add_argument("--out")
    a = ap.parse_args()
    if a.child:
        kind, impl, p = json.loads(a.child)
        print(json.dumps(_child(kind, impl, p)))
        return
    cases = list(CASES)
    if a.quick:
        cases = ["dbscan 20,000 x 16", "t-SNE 2,000"]
    if a.only:
        cases = [c for c in cases if a.only in c]
    results: dict = {}
    for case in cases:
        results[case] = {}
        for impl in IMPLS[CASES[case][0]]:
            results[case][impl] = _run(case, impl)
            print(case, impl, results[case][impl], file=sys.stderr, flush=True)
    import numpy
    import sklearn

    head = (
        f"Host: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, numpy {numpy.__version__}, scikit-learn {sklearn.__version__}; "
        f"load average at the end: {os.getloadavg()[0]:.1f}"
    )
    text = head + "\n\n" + _table(results)
    print(text)
    if a.out:
        with open(a.out, "w") as fh:
            fh.write(text + "\n")


if __name__ == "__main__":
    main()
