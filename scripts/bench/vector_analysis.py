"""Vector-analysis benchmark: `ml.analysis.analyse_vectors` (what `compute_vector_analysis`
runs) end to end on 20,000 x 768 vectors, with PCA and with UMAP reduction.

    .venv/bin/python scripts/bench/vector_analysis.py [--rows 20000] [--dim 768] [--only pca|umap]

Data: `make_blobs` with 20 centres (seed 0); the "model" is right everywhere except on one
centre, where it always predicts another class. Each case runs in its own process and reports
wall time, peak RSS, the number of clusters, and whether the planted failure is ranked worst.
Wall times depend on the host's load.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time


def _case(reduction: str, rows: int, dim: int) -> dict:
    import numpy as np
    from sklearn.datasets import make_blobs

    from vecml_local.ml.analysis import AnalysisParams, analyse_vectors

    X, y = make_blobs(n_samples=rows, n_features=dim, centers=20, cluster_std=4.0, random_state=0)
    X = X.astype(np.float32)
    predictions = np.where(y == 7, 3, y)
    start = time.perf_counter()
    answer = analyse_vectors(
        X,
        [str(i) for i in range(rows)],
        y.tolist(),
        predictions.tolist(),
        task_type="classification",
        params=AnalysisParams(reduction=reduction, min_cluster_size=50, min_samples=10),
    )
    seconds = time.perf_counter() - start
    worst = answer["clusters"][0]
    members = [int(s) for s in worst["sample_ids"]]
    return {
        "reduction": reduction,
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "n_clusters": answer["clustering"]["n_clusters"],
        "noise_ratio": answer["clustering"]["metrics"]["noise_ratio"],
        "worst_is_planted": bool(members) and all(y[i] == 7 for i in members),
        "worst_accuracy": worst["metrics"]["accuracy"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--dim", type=int, default=768)
    parser.add_argument("--only", choices=["pca", "umap"])
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(_case(args.case, args.rows, args.dim)))
        return
    print("| reduction | wall time | peak RSS | clusters | noise | planted failure ranked worst |")
    print("|---|---|---|---|---|---|")
    for reduction in [args.only] if args.only else ["pca", "umap"]:
        command = [sys.executable, __file__, "--case", reduction, "--rows", str(args.rows), "--dim", str(args.dim)]
        out = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout.splitlines()[-1])
        print(
            f"| {reduction} | {out['seconds']} s | {out['peak_rss_mb']} MB | {out['n_clusters']} | "
            f"{out['noise_ratio']:.3f} | {out['worst_is_planted']} (accuracy {out['worst_accuracy']}) |"
        )


if __name__ == "__main__":
    main()
