"""Approximate nearest neighbours: an HNSW graph through faiss (the optional `search-index` extra).

Built once per collection version; a query walks the graph (`ef_search` candidates) instead
of scoring every row, so it answers large collections fast at the price of recall, which is
measured (`scripts/bench/search.py`), never assumed. The distances of the rows it returns are
recomputed from the stored values in float64 and sorted by (distance, row), as in exact search.

Euclidean uses faiss's L2 graph, Inner Product its inner-product graph, Cosine the
inner-product graph over unit rows. Manhattan and Hamming have no HNSW here: exact search.
"""

from __future__ import annotations

import numpy as np

from .distances import COSINE, EUCLIDEAN, INNER_PRODUCT
from .search import ExactIndex, SearchResult

__all__ = ["HnswIndex", "HNSW_DISTANCES", "faiss_available"]

HNSW_DISTANCES = (EUCLIDEAN, COSINE, INNER_PRODUCT)


def faiss_available() -> bool:
    try:
        import faiss  # noqa: F401
    except ImportError:
        return False
    return True


def _unit(X: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    unit: np.ndarray = np.divide(X, norms, out=np.zeros_like(X), where=norms > 0)
    return unit


class HnswIndex:
    def __init__(self, X: np.ndarray, dist_type: str, *, m: int = 32, ef_construction: int = 200) -> None:
        import faiss

        self.dist_type = dist_type
        self.num_rows, self.dim = int(X.shape[0]), int(X.shape[1])
        data = np.ascontiguousarray(X, dtype=np.float32)
        if dist_type == COSINE:
            data = _unit(data)
        metric = faiss.METRIC_L2 if dist_type == EUCLIDEAN else faiss.METRIC_INNER_PRODUCT
        self._index = faiss.IndexHNSWFlat(self.dim, m, metric)
        self._index.hnsw.efConstruction = ef_construction
        self._index.add(data)
        self._exact = ExactIndex(X, dist_type)  # re-checks the returned rows' distances

    def query(self, Q: np.ndarray, k: int, *, ef_search: int = 64, allowed: np.ndarray | None = None) -> SearchResult:
        import faiss

        queries = np.ascontiguousarray(Q, dtype=np.float32)
        if self.dist_type == COSINE:
            queries = _unit(queries)
        params = faiss.SearchParametersHNSW()  # type: ignore[attr-defined]  # in faiss, missing from its bundled stub
        params.efSearch = max(ef_search, k)
        if allowed is not None:
            selector = faiss.IDSelectorBatch(np.flatnonzero(allowed).astype(np.int64))
            params.sel = selector
        k = min(k, self.num_rows if allowed is None else int(allowed.sum()))
        _, found = self._index.search(queries, k, params=params)
        width = int((found >= 0).sum(axis=1).min()) if len(found) else 0
        rows = np.zeros((len(queries), width), np.int64)
        distances = np.zeros((len(queries), width), np.float64)
        for i, row in enumerate(found):
            hits = row[row >= 0]
            exact = self._exact.distances_to(np.asarray(Q[i], dtype=np.float32), hits)
            order = np.lexsort((hits, exact))[:width]
            rows[i], distances[i] = hits[order], exact[order]
        return SearchResult(rows, distances)
