"""Vector data: `add_data`, `add_data_batch`, and the extensions `get_data`, `delete_data`."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp
from sqlalchemy import func, select

from ..errors import BadRequest, NotFound
from ..ingest.errors import RowError
from ..ingest.json_format import attribute_text
from ..ingest.vectors import vectors_from_json
from ..limits import attribute_name_problem, string_id_problem, value_problem
from ..schemas.common import CollectionRequest
from ..schemas.data import (
    AddDataBatchRequest,
    AddDataBatchResponse,
    AddDataRequest,
    AddDataResponse,
    DeleteDataRequest,
    DeleteDataResponse,
    GetDataRequest,
    GetDataResponse,
)
from ..storage import DeletedId, Segment
from ..storage.repository import get_collection
from .batches import Batch, check_new_ids, generated_ids, indexed, submit_batch
from .context import ServiceContext, Tenant

if TYPE_CHECKING:
    from ..storage.snapshots import CollectionSnapshot

__all__ = ["DataService", "attributes_from_json", "ids_from_json", "vector_json"]


Names = Callable[[str, int], str]  # (list field, entry) -> how a message names that entry


def _alone(field: str, _: int) -> str:
    """`add_data` sends one vector: its fields are named without an index (`string_id`, `data`)."""
    return "string_id" if field == "string_ids" else field


def attributes_from_json(attributes: Any, count: int, name: Names = indexed) -> dict[str, list[str | None]]:
    """Rows of `{name: value}` into columns of strings (None = missing; objects as JSON text)."""
    if attributes is None:
        return {}
    if not isinstance(attributes, list) or len(attributes) != count:
        raise BadRequest(f"attributes must be an array with one object per vector ({count})")
    columns: dict[str, list[str | None]] = {}
    for i, row in enumerate(attributes):
        if row is None:
            continue
        if not isinstance(row, dict):
            raise BadRequest(f"{name('attributes', i)} must be an object")
        for key, value in row.items():
            column = columns.get(key)
            if column is None:
                problem = attribute_name_problem(key)
                if problem:
                    raise BadRequest(f"{name('attributes', i)}: {problem}")
                column = columns[key] = [None] * count
            text = column[i] = attribute_text(value)
            if text is not None and value_problem(text):
                raise BadRequest(f"{name('attributes', i)}[{key!r}]: {value_problem(text)}")
    return columns


def ids_from_json(string_ids: Any, count: int, name: Names = indexed) -> list[str]:
    if string_ids is None:
        return generated_ids(count)
    if not isinstance(string_ids, list) or len(string_ids) != count:
        raise BadRequest(f"string_ids must be an array with one id per vector ({count})")
    for i, sid in enumerate(string_ids):
        if not isinstance(sid, str) or not sid:
            raise BadRequest(f"{name('string_ids', i)} must be a non-empty string")
        problem = string_id_problem(sid)
        if problem:
            raise BadRequest(f"{name('string_ids', i)} {problem}")
    return string_ids


def vector_json(vectors: np.ndarray | sp.csr_matrix, row: int) -> Any:
    if isinstance(vectors, np.ndarray):
        return vectors[row].tolist()
    start, end = vectors.indptr[row], vectors.indptr[row + 1]
    return {str(int(i)): float(v) for i, v in zip(vectors.indices[start:end], vectors.data[start:end])}


class DataService:
    def __init__(self, context: ServiceContext) -> None:
        self.context = context
        self._delete_lock = threading.Lock()  # deletes check-then-write; two at once must not both count

    def add_data_batch(self, tenant: Tenant, request: AddDataBatchRequest) -> AddDataBatchResponse:
        return AddDataBatchResponse(
            job_id=self._add(tenant, request, request.data, request.string_ids, request.attributes)
        )

    def add_data(self, tenant: Tenant, request: AddDataRequest) -> AddDataResponse:
        ids = None if request.string_id is None else [request.string_id]
        rows = None if request.attributes is None else [request.attributes]
        return AddDataResponse(job_id=self._add(tenant, request, [request.data], ids, rows, name=_alone))

    def _add(
        self,
        tenant: Tenant,
        where: CollectionRequest,
        data: Any,
        string_ids: Any,
        attributes: Any,
        name: Names = indexed,
    ) -> str:
        """Check a batch against its collection and queue it; the job id."""
        with self.context.db.session() as session:
            collection = get_collection(session, tenant.id, where.project_name, where.collection_name)
            stored = self.context.snapshots.live_ids(session, collection)
        try:
            vectors = vectors_from_json(data, collection.vector_type, collection.vector_dim)
        except RowError as error:
            field = "data" if error.row is None else name("data", error.row)
            raise BadRequest(f"{field}{error.sep}{error.detail}") from None
        count = vectors.shape[0]
        ids = ids_from_json(string_ids, count, name)
        check_new_ids(ids, stored, name)
        batch = Batch(vectors=vectors, ids=ids, attributes=attributes_from_json(attributes, count, name))
        return submit_batch(self.context, tenant, collection, where.project_name, batch)

    def _locate(
        self, tenant: Tenant, project_name: str, collection_name: str, string_ids: Any
    ) -> tuple[CollectionSnapshot, list[int]]:
        """The collection's snapshot and the rows of `string_ids` (404 naming the first unknown id)."""
        if not isinstance(string_ids, list) or not string_ids or not all(isinstance(s, str) for s in string_ids):
            raise BadRequest("string_ids must be a non-empty array of strings")
        with self.context.db.session() as session:
            collection = get_collection(session, tenant.id, project_name, collection_name)
            snapshot = self.context.snapshots.read(session, collection)
        positions = snapshot.positions()
        missing = [sid for sid in string_ids if sid not in positions]
        if missing:
            raise NotFound(f"string_id {missing[0]!r} does not exist in collection {collection_name!r}")
        return snapshot, [positions[sid] for sid in string_ids]

    def get_data(self, tenant: Tenant, request: GetDataRequest) -> GetDataResponse:
        string_ids = request.string_ids
        snapshot, rows = self._locate(tenant, request.project_name, request.collection_name, string_ids)
        return GetDataResponse(
            string_ids=list(string_ids),
            vectors=[vector_json(snapshot.vectors, row) for row in rows],
            attributes=[
                {name: column[row] for name, column in snapshot.attributes.items() if column[row] is not None}
                for row in rows
            ],
        )

    def delete_data(self, tenant: Tenant, request: DeleteDataRequest) -> DeleteDataResponse:
        project_name, collection_name, string_ids = request.project_name, request.collection_name, request.string_ids
        self._locate(tenant, project_name, collection_name, string_ids)
        unique = list(dict.fromkeys(string_ids))
        with self._delete_lock, self.context.db.session() as session:
            collection = get_collection(session, tenant.id, project_name, collection_name)
            if not self.context.db.is_sqlite:  # other server processes: the row lock serialises them
                session.refresh(collection, with_for_update=True)
            last_vectors = (
                session.scalar(
                    select(func.max(Segment.id)).where(
                        Segment.collection_id == collection.id, Segment.kind == "vectors"
                    )
                )
                or 0
            )
            gone = session.scalar(  # deleted since `_locate` looked, by a concurrent call
                select(DeletedId.string_id)
                .where(
                    DeletedId.collection_id == collection.id,
                    DeletedId.string_id.in_(unique),
                    DeletedId.up_to_segment >= last_vectors,
                )
                .limit(1)
            )
            if gone is not None:
                raise NotFound(f"string_id {gone!r} does not exist in collection {collection_name!r}")
            last_segment = (
                session.scalar(select(func.max(Segment.id)).where(Segment.collection_id == collection.id)) or 0
            )
            session.add_all(
                DeletedId(collection_id=collection.id, string_id=sid, up_to_segment=last_segment) for sid in unique
            )
            collection.num_vectors = max(0, int(collection.num_vectors) - len(unique))
        return DeleteDataResponse(num_deleted=len(unique))
