"""`search`, `build_index`, `delete_index` (extensions): nearest-neighbour search of a collection.

The collection is read as a snapshot (deleted vectors are not in it, so they never come
back) and prepared once per (collection version, distance): the prepared index is kept in
a small LRU, so repeated queries pay only for the scoring itself.

An approximate (HNSW) index is built on request and kept in this process's memory, per
collection and distance, with the collection version it was built from: a search asking for
it after the collection changed is answered exactly, with a warning, never from a stale graph.
A restart drops it (build it again).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..errors import BadRequest, NotFound
from ..ingest.json_format import attribute_text
from ..ingest.vectors import vectors_from_json
from ..ml.distances import HAMMING, Matrix, canonical_dist_type
from ..ml.hnsw import HNSW_DISTANCES, HnswIndex, faiss_available
from ..ml.search import ExactIndex, SearchResult
from ..schemas.search import (
    BuildIndexRequest,
    BuildIndexResponse,
    DeleteIndexRequest,
    DeleteIndexResponse,
    SearchRequest,
)
from ..storage.repository import get_collection
from ..storage.snapshots import CollectionSnapshot
from .context import ServiceContext, Tenant
from .data import vector_json
from .input_errors import client_input

__all__ = ["SearchService"]

_CACHE_SIZE = 4


class SearchService:
    def __init__(self, context: ServiceContext) -> None:
        self.context = context
        self._indexes: OrderedDict[tuple[int, tuple[int, int, int], str], tuple[CollectionSnapshot, ExactIndex]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()
        # (collection id, created_at, dist_type) -> (collection version when built, snapshot, graph)
        self._graphs: dict[tuple[int, str, str], tuple[tuple[int, int, int], CollectionSnapshot, HnswIndex]] = {}

    def search(self, tenant: Tenant, body: SearchRequest) -> dict[str, Any]:
        dist_type = canonical_dist_type(body.dist_type)
        snapshot, index = self._index(tenant, body.project_name, body.collection_name, dist_type)
        queries = self._queries(body, snapshot, dist_type)
        allowed = _filter_mask(body.filter, snapshot)
        warnings: list[str] = []
        result: SearchResult | None = None
        if body.approximate:
            graph = self._graph(tenant, body.project_name, body.collection_name, dist_type, snapshot, warnings)
            if graph is not None:
                result = graph.query(
                    np.asarray(queries.toarray() if sp.issparse(queries) else queries),
                    body.top_k,
                    ef_search=body.ef_search,
                    allowed=allowed,
                )
        if result is None:
            result = index.query(queries, body.top_k, allowed=allowed)
        ids = snapshot.ids
        out: dict[str, Any] = {
            "success": True,
            "dist_type": dist_type,
            "top_k": int(result.rows.shape[1]),
            "ids": [ids[row].tolist() for row in result.rows],
            "distances": [[round(float(d), 6) for d in row] for row in result.distances],
        }
        if body.approximate:
            out["approximate"] = not warnings
        if warnings:
            out["warnings"] = warnings
        if body.include_attributes:
            columns = snapshot.attributes
            out["attributes"] = [
                [{name: col[r] for name, col in columns.items() if col[r] is not None} for r in row.tolist()]
                for row in result.rows
            ]
        if body.include_vectors:
            out["vectors"] = [[vector_json(snapshot.vectors, r) for r in row.tolist()] for row in result.rows]
        return out

    # -- the approximate index ---------------------------------------------------
    def build_index(self, tenant: Tenant, body: BuildIndexRequest) -> BuildIndexResponse:
        dist_type = canonical_dist_type(body.dist_type)
        if dist_type not in HNSW_DISTANCES:
            raise BadRequest(
                f"dist_type: an approximate index serves Euclidean, Cosine or Inner Product, not {dist_type}"
            )
        if not faiss_available():
            raise BadRequest(
                "build_index needs the optional faiss-cpu package (pip install 'vecml-local[search-index]')"
            )
        snapshot, _ = self._index(tenant, body.project_name, body.collection_name, dist_type)
        if sp.issparse(snapshot.vectors):
            raise BadRequest("build_index: sparse collections are searched exactly (no approximate index)")
        key, version = self._graph_key(tenant, body.project_name, body.collection_name, dist_type)
        started = time.perf_counter()
        graph = HnswIndex(np.asarray(snapshot.vectors), dist_type, m=body.m, ef_construction=body.ef_construction)
        seconds = time.perf_counter() - started
        with self._lock:
            self._graphs[key] = (version, snapshot, graph)
        return BuildIndexResponse(dist_type=dist_type, num_vectors=snapshot.num_rows, build_seconds=round(seconds, 3))

    def delete_index(self, tenant: Tenant, body: DeleteIndexRequest) -> DeleteIndexResponse:
        dist_type = canonical_dist_type(body.dist_type)
        key, _ = self._graph_key(tenant, body.project_name, body.collection_name, dist_type)
        with self._lock:
            if self._graphs.pop(key, None) is None:
                raise NotFound(f"Collection {body.collection_name!r} has no {dist_type} index")
        return DeleteIndexResponse()

    def _graph_key(
        self, tenant: Tenant, project_name: str, collection_name: str, dist_type: str
    ) -> tuple[tuple[int, str, str], tuple[int, int, int]]:
        with self.context.db.session() as session:
            collection = get_collection(session, tenant.id, project_name, collection_name)
            version = self.context.snapshots.version(session, collection)
            # created_at too: a deleted collection's id may be given to a new one
            return (collection.id, str(collection.created_at), dist_type), version

    def _graph(
        self,
        tenant: Tenant,
        project_name: str,
        collection_name: str,
        dist_type: str,
        snapshot: CollectionSnapshot,
        warnings: list[str],
    ) -> HnswIndex | None:
        key, version = self._graph_key(tenant, project_name, collection_name, dist_type)
        with self._lock:
            built = self._graphs.get(key)
        if built is None:
            warnings.append(f"no {dist_type} index: call build_index first; answered by exact search")
            return None
        if built[0] != version or built[1].num_rows != snapshot.num_rows:
            warnings.append("the collection changed after build_index; answered by exact search (build it again)")
            return None
        return built[2]

    # -- pieces ----------------------------------------------------------------
    def _index(
        self, tenant: Tenant, project_name: str, collection_name: str, dist_type: str
    ) -> tuple[CollectionSnapshot, ExactIndex]:
        with self.context.db.session() as session:
            collection = get_collection(session, tenant.id, project_name, collection_name)
            version = self.context.snapshots.version(session, collection)
            key = (collection.id, version, dist_type)
            with self._lock:
                cached = self._indexes.get(key)
                if cached is not None:
                    self._indexes.move_to_end(key)
                    return cached
            snapshot = self.context.snapshots.read(session, collection)
        if snapshot.num_rows == 0:
            raise BadRequest(f"Collection {collection_name!r} has no vectors to search")
        if dist_type == HAMMING and (sp.issparse(snapshot.vectors) or snapshot.vectors.dtype != np.uint8):
            raise BadRequest(
                "dist_type 'Hamming' needs a quantized collection (dense8Bit/4Bit/2Bit/1Bit); "
                f"collection {collection_name!r} holds {snapshot.vector_type} vectors"
            )
        prepared = (snapshot, ExactIndex(snapshot.vectors, dist_type))
        with self._lock:
            self._indexes[key] = prepared
            while len(self._indexes) > _CACHE_SIZE:
                self._indexes.popitem(last=False)
        return prepared

    @staticmethod
    def _queries(body: SearchRequest, snapshot: CollectionSnapshot, dist_type: str) -> Matrix:
        given_vectors = body.query_vectors not in (None, [])
        if given_vectors == (body.query_ids is not None and len(body.query_ids) > 0):
            raise BadRequest("give either query_vectors or query_ids (exactly one of them)")
        if body.query_ids:
            positions = snapshot.positions()
            missing = [sid for sid in body.query_ids if sid not in positions]
            if missing:
                raise NotFound(f"query_ids: string_id {missing[0]!r} does not exist in the collection")
            return snapshot.vectors[[positions[sid] for sid in body.query_ids]]
        dim = snapshot.vectors.shape[1]
        with client_input("query_vectors"):
            queries = vectors_from_json(body.query_vectors, snapshot.vector_type, dim)
        if not sp.issparse(queries) and np.isnan(queries).any():
            row = int(np.argwhere(np.isnan(queries))[0][0])
            raise BadRequest(f"query_vectors[{row}] has a missing value (null); queries need every component")
        return queries


def _filter_mask(filter_: dict[str, Any] | None, snapshot: CollectionSnapshot) -> np.ndarray | None:
    """Rows whose attributes match every named attribute's value(s); None without a filter."""
    if not filter_:
        return None
    mask = np.ones(snapshot.num_rows, dtype=bool)
    for name, wanted in filter_.items():
        column = snapshot.attributes.get(name)
        if column is None:
            raise BadRequest(f"filter: {name!r} is not an attribute of the collection")
        values = wanted if isinstance(wanted, list) else [wanted]
        texts = {attribute_text(v) for v in values}
        texts.discard(None)
        mask &= np.fromiter((value in texts for value in column), dtype=bool, count=len(column))
    return mask
