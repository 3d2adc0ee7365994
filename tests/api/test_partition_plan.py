"""storage.partitions: the partitions a Dask worker reads from the data dir, concatenated, are the
rows of the collection's snapshot — with labels attached later and vectors deleted — and the
threshold rule of services/partitioned.py."""

from __future__ import annotations

import base64

import numpy as np
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.api.conftest import Api
from vecml_local.services.partitioned import partition_rows
from vecml_local.storage import Collection
from vecml_local.storage.partitions import plan_partitions, read_partition


def test_partitions_read_back_the_snapshot_rows(api: Api, client: TestClient) -> None:
    api.ok("create_project", project_name="P", application="test")
    api.ok("init", project_name="P", collection_name="c", vector_type="dense", vector_dim=3)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(25, 3)).astype(np.float32)
    for start in (0, 10, 17):  # segments of 10, 7 and 8 rows
        stop = {0: 10, 10: 17, 17: 25}[start]
        job = api.ok(
            "add_data_batch",
            project_name="P",
            collection_name="c",
            data=X[start:stop].tolist(),
            string_ids=[f"r{i}" for i in range(start, stop)],
            attributes=[{"y": i % 3} for i in range(start, stop)],
        )
        api.wait(job["job_id"])
    labels = "".join(f"{i % 2}\n" for i in range(25)).encode()
    job = api.ok(
        "attach_automl_label",
        project_name="P",
        collection_name="c",
        Y=base64.b64encode(labels).decode(),
        label_name="z",
    )
    api.wait(job["job_id"])
    api.ok("delete_data", project_name="P", collection_name="c", string_ids=["r3", "r12", "r24"])

    context = client.app.state.services.context  # type: ignore[attr-defined]
    with context.db.session() as session:
        # this test's collection: the newest "c" of the module's shared database
        collection = session.scalars(
            select(Collection).where(Collection.name == "c").order_by(Collection.id.desc())
        ).first()
        assert collection is not None
        snapshot = context.snapshots.read(session, collection)
        plan = plan_partitions(session, context.files, collection, 6)
    assert [sum(e - s for _, _, s, e in part) for part in plan.partitions] == [6, 6, 6, 6, 1]
    assert len({piece[1] for piece in plan.partitions[1]}) == 2, "a partition spans two segments"
    parts = [read_partition(plan, i, ["y", "z"]) for i in range(len(plan.partitions))]
    np.testing.assert_array_equal(np.concatenate([p[0] for p in parts]), snapshot.vectors)
    for name in ("y", "z"):
        assert np.concatenate([p[1][name] for p in parts]).tolist() == snapshot.attributes[name].tolist()
    assert len(snapshot.ids) == 22


def test_partition_rows_rule() -> None:
    assert partition_rows(500, 8, []) == 500  # the setting wins
    assert partition_rows(0, 8, []) is None  # no worker memory limit known: never split
    assert partition_rows(0, 8, [4 * 2**30, 2**30, 0]) == 2**30 // 4 // 32  # a quarter of the smallest limit
