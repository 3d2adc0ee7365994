"""Search benchmark: our exact search (`ml.search.ExactIndex`, what `/api/search` runs) next to
faiss's exact `IndexFlat` in the same process, on the same data and queries.

    .venv/bin/python scripts/bench/search.py [--queries 200] [--quick]

Cases: 100,000 x 128 Euclidean and 20,000 x 768 cosine (Gaussian data, seed 0); queries are
perturbed stored vectors. Reported: queries per second one query at a time and in batches
of 100, the ratio faiss/ours (< 1.5 is the goal), and whether the ids agree; then our
approximate index (`build_index`: HNSW through faiss, M 32, ef_search 64): build time, single
query rate and recall@10 against exact search. Wall times depend on the host's load.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from vecml_local.ml.distances import COSINE, EUCLIDEAN
from vecml_local.ml.hnsw import HnswIndex
from vecml_local.ml.search import ExactIndex

CASES = [(100_000, 128, EUCLIDEAN), (20_000, 768, COSINE)]


def _qps(run, queries: np.ndarray, batch: int) -> tuple[float, list[np.ndarray]]:
    out = []
    start = time.perf_counter()
    for s in range(0, len(queries), batch):
        out.append(run(queries[s : s + batch]))
    return len(queries) / (time.perf_counter() - start), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="a tenth of the rows")
    args = parser.parse_args()
    import faiss

    rng = np.random.default_rng(0)
    print("| case | mode | ours q/s | faiss IndexFlat q/s | faiss / ours | same ids |")
    print("|---|---|---|---|---|---|")
    hnsw_rows = []
    for n, d, dist in CASES:
        n = n // 10 if args.quick else n
        name = f"{n:,} x {d} {'cosine' if dist == COSINE else 'Euclidean'}"
        X = rng.normal(size=(n, d)).astype(np.float32)
        Q = (X[rng.integers(0, n, args.queries)] + 0.1 * rng.normal(size=(args.queries, d))).astype(np.float32)
        ours = ExactIndex(X, dist)
        if dist == COSINE:
            Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
            flat = faiss.IndexFlatIP(d)
            flat.add(Xn)

            def prep(q: np.ndarray) -> np.ndarray:
                return q / np.linalg.norm(q, axis=1, keepdims=True)
        else:
            flat = faiss.IndexFlatL2(d)
            flat.add(X)

            def prep(q: np.ndarray) -> np.ndarray:
                return q

        for mode, batch in (("single", 1), ("batch 100", 100)):
            ours_qps, ours_out = _qps(lambda q, ours=ours: ours.query(q, 10).rows, Q, batch)
            faiss_qps, faiss_out = _qps(lambda q, flat=flat, prep=prep: flat.search(prep(q), 10)[1], Q, batch)
            same = np.mean([np.array_equal(a, b) for a, b in zip(np.vstack(ours_out), np.vstack(faiss_out))])
            print(f"| {name} | {mode} | {ours_qps:,.0f} | {faiss_qps:,.0f} | {faiss_qps / ours_qps:.2f} | {same:.1%} |")
        exact = np.vstack([ours.query(Q[s : s + 100], 10).rows for s in range(0, len(Q), 100)])
        start = time.perf_counter()
        hnsw = HnswIndex(X, dist, m=32, ef_construction=200)
        build = time.perf_counter() - start
        hnsw_qps, hnsw_out = _qps(lambda q, hnsw=hnsw: hnsw.query(q, 10, ef_search=64).rows, Q, 1)
        found = np.vstack(hnsw_out)
        recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, exact)])
        hnsw_rows.append(f"| {name} | {build:.1f} s | {hnsw_qps:,.0f} | {recall:.3f} |")
    print("\nour approximate index (build_index: HNSW through faiss, M 32, ef_search 64):\n")
    print("| case | build | single q/s | recall@10 vs exact |")
    print("|---|---|---|---|")
    print("\n".join(hnsw_rows))


if __name__ == "__main__":
    main()
