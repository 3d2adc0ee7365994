"""Read a collection as one consistent snapshot: vectors, ids and attributes in insertion order.

Rows come from the `vectors` segments in publication order; `attributes` segments
(labels attached later) set values by string id; tombstones hide deleted ids.
Snapshots are cached per collection and version, so repeated reads are cheap.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .files import DataFiles
from .tables import Collection, DeletedId, Segment

__all__ = ["CollectionSnapshot", "SnapshotReader", "component_names"]


def component_names(collection: Collection) -> list[str]:
    """Names of the vector components: as uploaded, else `column 1` ... `column N`."""
    if collection.column_names:
        return list(collection.column_names)
    return [f"column {i}" for i in range(1, collection.vector_dim + 1)]


@dataclass
class CollectionSnapshot:
    collection_id: int
    vector_type: str
    ids: np.ndarray  # (n,) object array of str
    vectors: np.ndarray | sp.csr_matrix  # (n, dim)
    attributes: dict[str, np.ndarray]  # name -> (n,) object array, None = missing
    column_names: list[str]
    _positions: dict[str, int] | None = field(default=None, repr=False)

    @property
    def num_rows(self) -> int:
        return len(self.ids)

    def positions(self) -> dict[str, int]:
        if self._positions is None:
            self._positions = {sid: i for i, sid in enumerate(self.ids.tolist())}
        return self._positions


def _empty_vectors(vector_type: str, dim: int) -> np.ndarray | sp.csr_matrix:
    if vector_type == "sparse":
        return sp.csr_matrix((0, dim), dtype=np.float32)  # type: ignore[arg-type]  # the stub: float64 only
    dtype = np.float32 if vector_type == "dense" else np.uint8
    return np.zeros((0, dim), dtype=dtype)


def _stack(parts: list[Any], vector_type: str, dim: int) -> np.ndarray | sp.csr_matrix:
    if not parts:
        return _empty_vectors(vector_type, dim)
    if vector_type == "sparse":
        resized = [sp.csr_matrix((p.data, p.indices, p.indptr), shape=(p.shape[0], dim)) for p in parts]
        stacked: sp.csr_matrix = sp.vstack(resized, format="csr")
        return stacked
    return np.concatenate(parts, axis=0) if len(parts) > 1 else np.array(parts[0])


class SnapshotReader:
    def __init__(self, files: DataFiles, cache_size: int = 4) -> None:
        self.files = files
        self._cache: OrderedDict[int, tuple[tuple[int, int, int], CollectionSnapshot]] = OrderedDict()
        self._cache_size = cache_size
        self._ids: dict[int, tuple[set[int], frozenset[str]]] = {}
        self._lock = threading.Lock()

    def version(self, session: Session, collection: Collection) -> tuple[int, int, int]:
        last_segment = session.scalar(select(func.max(Segment.id)).where(Segment.collection_id == collection.id))
        deleted = session.scalar(select(func.count(DeletedId.id)).where(DeletedId.collection_id == collection.id))
        return (last_segment or 0, deleted or 0, collection.vector_dim)

    def read(self, session: Session, collection: Collection) -> CollectionSnapshot:
        version = self.version(session, collection)
        with self._lock:
            cached = self._cache.get(collection.id)
            if cached and cached[0] == version:
                self._cache.move_to_end(collection.id)
                return cached[1]
        snapshot = self._build(session, collection)
        with self._lock:
            self._cache[collection.id] = (version, snapshot)
            self._cache.move_to_end(collection.id)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return snapshot

    def forget(self, collection_id: int) -> None:
        with self._lock:
            self._cache.pop(collection_id, None)
            self._ids.pop(collection_id, None)

    def live_ids(self, session: Session, collection: Collection) -> frozenset[str]:
        """The string ids stored in a collection, without loading its vectors.

        Kept per collection and extended with each new segment, so checking a batch for
        duplicates stays cheap however large the collection grows.
        """
        rows = session.execute(
            select(Segment.id, Segment.directory)
            .where(Segment.collection_id == collection.id, Segment.kind == "vectors")
            .order_by(Segment.id)
        ).all()
        deleted = session.scalar(select(func.count(DeletedId.id)).where(DeletedId.collection_id == collection.id)) or 0
        with self._lock:
            cached = self._ids.get(collection.id)
        if deleted:
            snapshot = self.read(session, collection)
            return frozenset(snapshot.positions())
        seen, ids = (cached[0], set(cached[1])) if cached else (set(), set())
        fresh = [row for row in rows if row.id not in seen]
        if cached and len(seen) + len(fresh) != len(rows):
            seen, ids, fresh = set(), set(), list(rows)
        for row in fresh:
            ids.update(self.files.read_ids(collection.id, row.directory))
            seen.add(row.id)
        frozen = frozenset(ids)
        with self._lock:
            self._ids[collection.id] = (seen, frozen)
        return frozen

    def ordered_ids(self, session: Session, collection: Collection) -> np.ndarray:
        """The live string ids in storage order (the rows of `read`), without loading vectors."""
        rows = session.execute(
            select(Segment.id, Segment.directory)
            .where(Segment.collection_id == collection.id, Segment.kind == "vectors")
            .order_by(Segment.id)
        ).all()
        parts = [self.files.read_ids(collection.id, row.directory) for row in rows]
        ids = _objects([sid for part in parts for sid in part])
        deleted = self._deleted(session, collection)
        if not deleted:
            return ids
        row_segments = np.concatenate([np.full(len(part), row.id, dtype=np.int64) for row, part in zip(rows, parts)])
        return ids[_live_rows(ids, row_segments, deleted)]

    @staticmethod
    def _deleted(session: Session, collection: Collection) -> dict[str, int]:
        """Deleted id -> the last segment its deletion hides (newer segments may hold it again)."""
        return dict(
            session.execute(
                select(DeletedId.string_id, func.max(DeletedId.up_to_segment))
                .where(DeletedId.collection_id == collection.id)
                .group_by(DeletedId.string_id)
            ).all()
        )

    def _build(self, session: Session, collection: Collection) -> CollectionSnapshot:
        segments = session.scalars(
            select(Segment).where(Segment.collection_id == collection.id).order_by(Segment.id)
        ).all()
        vector_parts: list[Any] = []
        id_parts: list[list[str]] = []
        segment_of_row: list[np.ndarray] = []
        attribute_columns: dict[str, list[Any]] = {}
        patches = []
        total = 0
        for segment in segments:
            data = self.files.read_segment(collection.id, segment.directory)
            if segment.kind == "attributes":
                patches.append(data)
                continue
            vector_parts.append(data.vectors)
            id_parts.append(data.ids)
            segment_of_row.append(np.full(len(data.ids), segment.id, dtype=np.int64))
            for name, values in data.attributes.items():
                column = attribute_columns.setdefault(name, [None] * total)
                column.extend(values)
            total += len(data.ids)
            for column in attribute_columns.values():
                column.extend([None] * (total - len(column)))
        ids = _objects([sid for part in id_parts for sid in part])
        attributes = {name: _objects(values) for name, values in attribute_columns.items()}
        snapshot = CollectionSnapshot(
            collection_id=collection.id,
            vector_type=collection.vector_type,
            ids=ids,
            vectors=_stack(vector_parts, collection.vector_type, collection.vector_dim),
            attributes=attributes,
            column_names=component_names(collection),
        )
        for patch in patches:
            self._apply_patch(snapshot, patch.ids, patch.attributes)
        deleted = self._deleted(session, collection)
        if not deleted:
            return snapshot
        row_segments = np.concatenate(segment_of_row) if segment_of_row else np.zeros(0, np.int64)
        return self._without(snapshot, deleted, row_segments)

    @staticmethod
    def _apply_patch(snapshot: CollectionSnapshot, ids: list[str], values: dict[str, list[Any]]) -> None:
        positions = snapshot.positions()
        rows = np.fromiter((positions.get(sid, -1) for sid in ids), dtype=np.int64, count=len(ids))
        present = rows >= 0
        for name, column_values in values.items():
            column = snapshot.attributes.get(name)
            if column is None:
                column = np.empty(snapshot.num_rows, dtype=object)
                snapshot.attributes[name] = column
            column[rows[present]] = _objects(column_values)[present]

    @staticmethod
    def _without(snapshot: CollectionSnapshot, deleted: dict[str, int], row_segments: np.ndarray) -> CollectionSnapshot:
        keep = _live_rows(snapshot.ids, row_segments, deleted)
        return CollectionSnapshot(
            collection_id=snapshot.collection_id,
            vector_type=snapshot.vector_type,
            ids=snapshot.ids[keep],
            vectors=snapshot.vectors[np.flatnonzero(keep)],
            attributes={name: column[keep] for name, column in snapshot.attributes.items()},
            column_names=snapshot.column_names,
        )


def _objects(values: list[Any]) -> NDArray[np.object_]:
    """A 1-d object array of `values` (np.array would turn strings into a fixed-width
    string dtype and lists into extra dimensions)."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _live_rows(ids: np.ndarray, row_segments: np.ndarray, deleted: dict[str, int]) -> NDArray[np.bool_]:
    """Mask of the rows no deletion hides (a deletion hides its id in segments up to its mark)."""
    return np.fromiter((deleted.get(sid, 0) < seg for sid, seg in zip(ids, row_segments)), dtype=bool, count=len(ids))
