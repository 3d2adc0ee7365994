"""Segments on disk and the snapshot reader: order, label patches, tombstones, orphans."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.sparse as sp

from tests.database import make_test_database
from vecml_local.storage import Collection, DataFiles, DeletedId, Project, Segment, SnapshotReader
from vecml_local.timefmt import now


def _setup(tmp_path: Path, vector_type: str = "dense", dim: int = 2):  # type: ignore[no-untyped-def]
    db = make_test_database(tmp_path / "m.db")
    files = DataFiles(tmp_path / "data")
    with db.session() as session:
        project = Project(tenant="t", name="p", application="", created_at=now())
        session.add(project)
        session.flush()
        collection = Collection(
            project_id=project.id,
            name="c",
            vector_type=vector_type,
            vector_dim=dim,
            categorical_features=[],
            attribute_names=[],
            num_vectors=0,
            created_at=now(),
        )
        session.add(collection)
        session.flush()
        collection_id = collection.id
    return db, files, collection_id


def _publish(db, files, collection_id, kind="vectors", **batch) -> str:  # type: ignore[no-untyped-def]
    token = files.stage(**batch)
    files.publish(token, collection_id)
    with db.session() as session:
        session.add(
            Segment(
                collection_id=collection_id, kind=kind, directory=token, num_rows=len(batch["ids"]), created_at=now()
            )
        )
    return token


def test_rows_in_order_with_patches_and_tombstones(tmp_path: Path) -> None:
    db, files, cid = _setup(tmp_path)
    reader = SnapshotReader(files)
    _publish(
        db, files, cid, ids=["a", "b"], attributes={"x": ["1", None]}, vectors=np.array([[1, 2], [3, 4]], np.float32)
    )
    _publish(db, files, cid, ids=["c"], attributes={"y": ["z"]}, vectors=np.array([[5, 6]], np.float32))
    _publish(db, files, cid, kind="attributes", ids=["c", "a"], attributes={"label": ["L1", "L0"]})
    with db.session() as session:
        snap = reader.read(session, session.get(Collection, cid))
    assert snap.ids.tolist() == ["a", "b", "c"]
    assert snap.vectors.tolist() == [[1, 2], [3, 4], [5, 6]]
    assert snap.attributes["x"].tolist() == ["1", None, None]
    assert snap.attributes["y"].tolist() == [None, None, "z"]
    assert snap.attributes["label"].tolist() == ["L0", None, "L1"]
    assert snap.column_names == ["column 1", "column 2"]
    with db.session() as session:  # the same rows without reading any vector
        assert reader.ordered_ids(session, session.get(Collection, cid)).tolist() == ["a", "b", "c"]

    with db.session() as session:
        session.add(DeletedId(collection_id=cid, string_id="b", up_to_segment=3))
    _publish(db, files, cid, ids=["b"], attributes={}, vectors=np.array([[7, 8]], np.float32))
    with db.session() as session:
        snap = reader.read(session, session.get(Collection, cid))
    assert snap.ids.tolist() == ["a", "c", "b"]
    assert snap.vectors.tolist() == [[1, 2], [5, 6], [7, 8]]
    with db.session() as session:
        assert reader.ordered_ids(session, session.get(Collection, cid)).tolist() == ["a", "c", "b"]


def test_sparse_segments_stack_to_the_collection_dim(tmp_path: Path) -> None:
    db, files, cid = _setup(tmp_path, "sparse", 10)
    _publish(db, files, cid, ids=["a"], attributes={}, vectors=sp.csr_matrix(np.array([[0, 1, 0]], np.float32)))
    _publish(
        db, files, cid, ids=["b"], attributes={}, vectors=sp.csr_matrix(np.array([[2] + [0] * 8 + [3]], np.float32))
    )
    with db.session() as session:
        snap = SnapshotReader(files).read(session, session.get(Collection, cid))
    assert snap.vectors.shape == (2, 10)
    assert snap.vectors.toarray()[1, 9] == 3 and snap.vectors.toarray()[0, 1] == 1


def test_staging_is_atomic_and_sweep_removes_orphans(tmp_path: Path) -> None:
    db, files, cid = _setup(tmp_path)
    kept = _publish(db, files, cid, ids=["a"], attributes={}, vectors=np.zeros((1, 2), np.float32))
    orphan = files.stage(ids=["b"], attributes={}, vectors=np.zeros((1, 2), np.float32))
    files.publish(orphan, cid)  # published but never recorded: a crash before the commit
    pending = files.stage(ids=["c"], attributes={}, vectors=np.zeros((1, 2), np.float32))
    stale = files.stage(ids=["d"], attributes={}, vectors=np.zeros((1, 2), np.float32))
    (files.staging / "half.tmp").mkdir()
    files.sweep({cid: {kept}}, {pending}, set())
    assert (files.collections / str(cid) / kept).exists()
    assert not (files.collections / str(cid) / orphan).exists()
    assert (files.staging / pending).exists()
    assert not (files.staging / stale).exists() and not (files.staging / "half.tmp").exists()
