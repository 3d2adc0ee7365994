"""A collection as row partitions that Dask workers read themselves from the shared data dir.

A plan is taken in one transaction (the segment list, the label patches, the tombstones)
and holds only names and row ranges; `read_partition` runs on a worker and reads its rows
from the memory-mapped segments, applying the same patches and deletions as
`SnapshotReader`, so the partitions concatenated are the rows of a snapshot.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from .files import DataFiles
from .snapshots import SnapshotReader, component_names
from .tables import Collection, Segment

__all__ = ["PartitionPlan", "plan_partitions", "read_partition"]

Piece = tuple[int, str, int, int]  # (segment id, directory, first row, end row) of one vectors segment


@dataclass
class PartitionPlan:
    root: str  # the data dir, absolute (the same path on every worker)
    collection_id: int
    vector_type: str
    dim: int
    column_names: list[str]
    partitions: list[list[Piece]]
    patches: list[str]  # `attributes` segments, in publication order
    deleted: dict[str, int]  # id -> the last segment its deletion hides

    @property
    def num_rows(self) -> int:
        """Rows stored (before tombstones)."""
        return sum(end - start for part in self.partitions for _, _, start, end in part)


def plan_partitions(
    session: Session, files: DataFiles, collection: Collection, rows_per_partition: int
) -> PartitionPlan:
    """Consecutive row ranges of at most `rows_per_partition` rows, in storage order."""
    rows = session.execute(
        select(Segment.id, Segment.kind, Segment.directory, Segment.num_rows)
        .where(Segment.collection_id == collection.id)
        .order_by(Segment.id)
    ).all()
    size = max(1, int(rows_per_partition))
    partitions: list[list[Piece]] = [[]]
    room = size
    patches = []
    for row in rows:
        if row.kind != "vectors":
            patches.append(row.directory)
            continue
        start = 0
        while start < row.num_rows:
            if room == 0:
                partitions.append([])
                room = size
            end = min(int(row.num_rows), start + room)
            partitions[-1].append((int(row.id), row.directory, start, end))
            room -= end - start
            start = end
    return PartitionPlan(
        root=str(files.root),
        collection_id=int(collection.id),
        vector_type=collection.vector_type,
        dim=int(collection.vector_dim),
        column_names=component_names(collection),
        partitions=[p for p in partitions if p],
        patches=patches,
        deleted=SnapshotReader._deleted(session, collection),
    )


_files: dict[str, DataFiles] = {}
_files_lock = threading.Lock()


def _data_files(root: str) -> DataFiles:
    with _files_lock:
        if root not in _files:
            _files[root] = DataFiles(Path(root))
        return _files[root]


def read_partition(plan: PartitionPlan, index: int, columns: list[str]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Partition `index`: its live rows' vectors as float32 (n, dim) and the attribute `columns`
    (object arrays, None = missing). Runs on a worker; reads only this partition's row ranges."""
    files = _data_files(plan.root)
    blocks: list[np.ndarray] = []
    ids: list[Any] = []
    values: dict[str, list[Any]] = {name: [] for name in columns}
    segments: list[np.ndarray] = []
    for segment_id, directory, start, end in plan.partitions[index]:
        data = files.read_segment(plan.collection_id, directory)
        assert data.vectors is not None
        blocks.append(np.asarray(data.vectors[start:end], dtype=np.float32))
        ids.extend(data.ids[start:end])
        segments.append(np.full(end - start, segment_id, dtype=np.int64))
        for name in columns:
            stored = data.attributes.get(name)
            values[name].extend(stored[start:end] if stored is not None else [None] * (end - start))
    vectors = np.concatenate(blocks) if blocks else np.zeros((0, plan.dim), dtype=np.float32)
    attributes: dict[str, np.ndarray] = {}
    for name in columns:
        column = np.empty(len(ids), dtype=object)
        column[:] = values[name]
        attributes[name] = column
    if plan.patches and columns:
        _apply_patches(files, plan, ids, attributes)
    if plan.deleted:
        row_segments = np.concatenate(segments) if segments else np.zeros(0, np.int64)
        keep = np.fromiter(
            (plan.deleted.get(sid, 0) < seg for sid, seg in zip(ids, row_segments)), dtype=bool, count=len(ids)
        )
        vectors = vectors[keep]
        attributes = {name: column[keep] for name, column in attributes.items()}
    return vectors, attributes


def _apply_patches(files: DataFiles, plan: PartitionPlan, ids: list[Any], attributes: dict[str, np.ndarray]) -> None:
    """Labels attached after the upload: the last patch naming an id wins, as in a snapshot."""
    positions = {sid: i for i, sid in enumerate(ids)}
    for directory in plan.patches:
        patch = files.read_segment(plan.collection_id, directory)
        rows = [(positions.get(sid, -1), i) for i, sid in enumerate(patch.ids)]
        for name, column in attributes.items():
            patched = patch.attributes.get(name) or []
            for row, i in rows if patched else []:
                if row >= 0:
                    column[row] = patched[i]
