"""A page of a collection's rows (ids, first vector components, attributes) for the console.

Reads only the segments that hold the page: vectors stay memory-mapped and only the
page's rows are copied; ids and attributes are read by position when their JSON allows it
(`json_rows`), else parsed. Segments are immutable, so what was read is kept in a small
cache keyed by segment; later label segments (`attributes`) are applied to the page's ids
only. With deleted ids the page comes from the (cached) full snapshot.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp
from sqlalchemy import func, select

from ..storage import DeletedId, Segment
from ..storage.files import ATTRIBUTES, IDS, VECTORS_DENSE, SegmentData
from ..storage.repository import get_collection
from ..storage.snapshots import component_names

if TYPE_CHECKING:
    from ..ml.distances import Matrix
from .context import ServiceContext, Tenant
from .json_rows import Unreadable, open_columns, open_ids

__all__ = ["VectorPreview", "PAGE_ROWS", "MAX_COLUMNS"]

PAGE_ROWS = 50
MAX_COLUMNS = 8  # vector components shown; the rest are summarised by the dimension


def _cells(vectors: Matrix, rows: slice | np.ndarray, columns: int) -> list[list[Any]]:
    if sp.issparse(vectors):
        block = vectors[rows]
        out = []
        for i in range(block.shape[0]):
            start, end = block.indptr[i], block.indptr[i + 1]
            pairs = zip(block.indices[start:end][:columns], block.data[start:end][:columns])
            out.append([f"{int(j)}:{float(v):g}" for j, v in pairs])
        return out
    block = np.asarray(vectors[rows, :columns])
    if block.dtype.kind == "f":  # float32 as stored (7 significant digits), not its float64 expansion
        return [[float(f"{v:.7g}") for v in row] for row in block.tolist()]
    rows_of_cells: list[list[Any]] = block.tolist()
    return rows_of_cells


class VectorPreview:
    def __init__(self, context: ServiceContext, cache_size: int = 16) -> None:
        self.context = context
        self._segments: OrderedDict[tuple[int, str, bool], SegmentData] = OrderedDict()
        self._positions: dict[tuple[int, str, bool], dict[str, int]] = {}
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def _segment(self, collection_id: int, directory: str, rows: int, parse: bool = False) -> SegmentData:
        key = (collection_id, directory, parse)
        with self._lock:
            data = self._segments.get(key)
            if data is not None:
                self._segments.move_to_end(key)
                return data
        if parse:
            data = self.context.files.read_segment(collection_id, directory)
        else:
            data = self._open(collection_id, directory, rows)
        with self._lock:
            self._segments[key] = data
            while len(self._segments) > self._cache_size:
                old, _ = self._segments.popitem(last=False)
                self._positions.pop(old, None)
        return data

    def _open(self, collection_id: int, directory: str, rows: int) -> SegmentData:
        """A segment whose ids and attributes are read by position (files as `DataFiles` writes them)."""
        folder = self.context.files.collections / str(int(collection_id)) / directory
        if not (folder / VECTORS_DENSE).exists() and any(folder.glob("vectors.*")):
            return self.context.files.read_segment(collection_id, directory)  # sparse: loaded whole
        ids = open_ids(folder / IDS, rows)
        attributes = open_columns(folder / ATTRIBUTES, rows)
        if ids is None or attributes is None:
            return self.context.files.read_segment(collection_id, directory)
        vectors = None
        if (folder / VECTORS_DENSE).exists():
            vectors = np.load(folder / VECTORS_DENSE, mmap_mode="r", allow_pickle=False)
        return SegmentData(vectors=vectors, ids=ids, attributes=attributes)  # type: ignore[arg-type]  # lazy sequences read like lists

    def _positions_of(self, key: tuple[int, str, bool], data: SegmentData) -> dict[str, int]:
        with self._lock:
            found = self._positions.get(key)
        if found is None:
            found = {sid: i for i, sid in enumerate(data.ids)}
            with self._lock:
                self._positions[key] = found
        return found

    def page(self, tenant: Tenant, project_name: str, collection_name: str, page: int) -> dict[str, Any]:
        """Rows `page*50 ... page*50+49` (0-based page) in insertion order."""
        with self.context.db.session() as session:
            collection = get_collection(session, tenant.id, project_name, collection_name)
            segments = session.execute(
                select(Segment.kind, Segment.directory, Segment.num_rows)
                .where(Segment.collection_id == collection.id)
                .order_by(Segment.id)
            ).all()
            deleted = session.scalar(select(func.count(DeletedId.id)).where(DeletedId.collection_id == collection.id))
            snapshot = self.context.snapshots.read(session, collection) if deleted else None
            names = component_names(collection)
            total = int(collection.num_vectors)
            collection_id = collection.id
            attribute_names = list(collection.attribute_names or [])
        columns = min(MAX_COLUMNS, len(names))
        first = max(0, int(page)) * PAGE_ROWS
        if snapshot is not None:
            rows = slice(first, min(first + PAGE_ROWS, snapshot.num_rows))
            ids = snapshot.ids[rows].tolist()
            cells = _cells(snapshot.vectors, rows, columns)
            attributes = {name: list(column[rows]) for name, column in snapshot.attributes.items()}
            total = snapshot.num_rows
        else:
            try:
                ids, cells, attributes = self._rows(collection_id, segments, first, columns, parse=False)
            except Unreadable:  # escapes or nulls in the JSON: parse the segments instead
                ids, cells, attributes = self._rows(collection_id, segments, first, columns, parse=True)
        for name in attributes:
            if name not in attribute_names:
                attribute_names.append(name)
        return {
            "total": total,
            "page": max(0, int(page)),
            "page_rows": PAGE_ROWS,
            "first_row": first,
            "column_names": names[:columns],
            "more_columns": len(names) - columns,
            "attribute_names": attribute_names,
            "rows": [
                {
                    "string_id": sid,
                    "vector": cells[i],
                    "attributes": [attributes.get(a, [None] * len(ids))[i] for a in attribute_names],
                }
                for i, sid in enumerate(ids)
            ],
        }

    def _rows(
        self, collection_id: int, segments: Sequence[Any], first: int, columns: int, parse: bool
    ) -> tuple[list[str], list[list[Any]], dict[str, list[Any]]]:
        ids: list[str] = []
        cells: list[list[Any]] = []
        attributes: dict[str, list[Any]] = {}
        start = 0
        for kind, directory, num_rows in segments:
            if kind != "vectors":
                continue
            end = start + int(num_rows)
            if end > first and start < first + PAGE_ROWS and len(ids) < PAGE_ROWS:
                data = self._segment(collection_id, directory, int(num_rows), parse)
                lo = max(first, start) - start
                hi = min(end, first + PAGE_ROWS) - start
                before = len(ids)
                ids.extend(data.ids[lo:hi])
                assert data.vectors is not None  # a vectors segment holds its vectors file
                cells.extend(_cells(data.vectors, slice(lo, hi), columns))
                for name, values in data.attributes.items():
                    column = attributes.setdefault(name, [None] * before)
                    column.extend(values[lo:hi])
                for column in attributes.values():
                    column.extend([None] * (len(ids) - len(column)))
            start = end
        for kind, directory, num_rows in segments:  # labels attached later, in order
            if kind != "attributes" or not ids:
                continue
            data = self._segment(collection_id, directory, int(num_rows), parse)
            rows = self._patch_rows((collection_id, directory, parse), data, ids, first)
            for name, values in data.attributes.items():
                column = attributes.setdefault(name, [None] * len(ids))
                for i, at in enumerate(rows):
                    if at is not None:
                        column[i] = values[at]
        return ids, cells, attributes

    def _patch_rows(
        self, key: tuple[int, str, bool], data: SegmentData, ids: list[str], first: int
    ) -> list[int | None]:
        """Where each page id sits in a label segment. Label files label the vectors in storage
        order, so the id is usually at the same position; a lookup table is built only otherwise."""
        rows: list[int | None] = []
        positions: dict[str, int] | None = None
        for i, sid in enumerate(ids):
            at = first + i
            if at < len(data.ids) and data.ids[at] == sid:
                rows.append(at)
                continue
            if positions is None:
                if not key[2]:
                    raise Unreadable("a label segment not in storage order")  # look ids up in parsed files
                positions = self._positions_of(key, data)
            rows.append(positions.get(sid))
        return rows
