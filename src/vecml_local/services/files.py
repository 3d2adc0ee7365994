"""File uploads: `upload` (seed 001), `upload_automl_X` (seed 000), `attach_automl_label`.

The file is decoded, parsed and checked while the request waits (a broken file is
a 400 naming the line), staged durably, and only then queued: the job publishes
the staged segment. A missing collection is created at request time, so a label
or training request sent right after never sees "does not exist"; an existing
one is appended to after checking the schema (same dimension, same columns).

Rows of an uploaded file get the ids `<string_id_prefix>-<i>` (`i` = 0-based data
row of the file); the prefix is in the answer and the job status.

A label job (`AddAttributesFromFileJob`) runs after every earlier job on its
collection; line *i* of the label file labels the *i*-th vector of the collection.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from ..errors import BadRequest, NotFound
from ..ingest import (
    FileOptions,
    ParsedTable,
    canonical_file_format,
    decode_payload,
    parse_file,
    parse_labels,
)
from ..jobs import JobContext, make_job_id
from ..schemas.files import (
    AttachAutomlLabelRequest,
    AttachAutomlLabelResponse,
    FileFields,
    UploadRequest,
    UploadResponse,
)
from ..storage import Collection, Project, Segment
from ..storage.db import database_unavailable
from ..storage.repository import find_collection, get_collection, get_project
from ..timefmt import now
from .batches import Batch, collection_of_job, segment_recorded, submit_batch
from .context import ServiceContext, Tenant
from .input_errors import client_input

__all__ = ["FileService", "LABEL_KIND", "InlineFile", "read_inline_file", "attach_labels"]

LABEL_KIND = "label"


@dataclass
class InlineFile:
    table: ParsedTable
    checksum_server: str | None
    vector_type: str  # the type the file was read as


def _payload_text(value: Any, field: str) -> str | bytes | memoryview:
    """The Base64 text (a memoryview when the route cut it out of the raw body unparsed)."""
    if value is None or (isinstance(value, str | bytes | memoryview) and len(value) == 0):
        raise BadRequest(f"{field} is required: the file's bytes, base64-encoded")
    if not isinstance(value, str | bytes | memoryview):
        raise BadRequest(f"{field} must be a base64 string")
    return value


def read_inline_file(
    context: ServiceContext,
    file: FileFields,
    *,
    categorical_features: Sequence[str] = (),
    vector_attributes: Sequence[str] = (),
    vector_type: str | None = None,
    expected_dim: int | None = None,
) -> InlineFile:
    """Decode and parse a file sent in a request.

    `vector_type`/`expected_dim` come from an existing collection when there is one
    (also what `automl_predict` with an inline file should pass).
    """
    payload, payload_field = file.payload_and_field()
    with client_input(payload_field):
        file_format = canonical_file_format(file.file_format)
    requested_type: str | None = file.vector_type
    if file_format == "binary" and requested_type in (None, "dense"):
        # The docs: for binary files the client may say "dense"; the element type is binary_dtype.
        element = "dense8Bit" if file.binary_dtype == "uint8" else "dense"
        requested_type = vector_type or element
    if vector_type is not None and requested_type is not None and requested_type != vector_type:
        raise BadRequest(
            f"vector_type: the collection holds {vector_type} vectors; the file was sent as {requested_type}"
        )
    default_type = "sparse" if file_format == "libsvm" else "dense"
    has_field_names = file.has_field_names
    if has_field_names is None:
        if file_format == "csv":
            raise BadRequest("has_field_names is required (true if the first line holds the column names)")
        has_field_names = True
    options = FileOptions(
        file_format=file_format,
        has_field_names=has_field_names,
        vector_type=vector_type or requested_type or default_type,
        vector_data_field_name=file.vector_data_field_name,
        categorical_features=list(categorical_features),
        vector_attributes=list(vector_attributes),
        binary_dtype=file.binary_dtype,
        binary_dim=file.binary_dim,
        expected_dim=expected_dim,
    )
    with client_input(payload_field):
        decoded = decode_payload(
            _payload_text(payload, payload_field),
            field=payload_field,
            compression_type=file.compression_type,
            checksum=file.checksum,
            max_decoded_bytes=context.settings.max_decoded_bytes,
        )
        table = parse_file(decoded.data, options)
    return InlineFile(table, decoded.checksum_server, options.vector_type)


def _check_schema(collection: Collection, table: ParsedTable) -> None:
    name = collection.name
    if collection.vector_type == "sparse" and table.dim > int(collection.vector_dim):
        raise BadRequest(
            f"the file has {table.dim} vector columns but collection {name!r} has vector_dim "
            f"{collection.vector_dim}; nothing was stored"
        )
    if collection.vector_type != "sparse" and table.dim != int(collection.vector_dim):
        raise BadRequest(
            f"the file has {table.dim} vector columns but collection {name!r} has vector_dim "
            f"{collection.vector_dim}; nothing was stored"
        )
    stored = list(collection.column_names or [])
    if stored and table.column_names is not None and table.column_names != stored:
        missing = [c for c in stored if c not in table.column_names]
        extra = [c for c in table.column_names if c not in stored]
        detail = (
            (f"missing {missing}" if missing else "")
            + ("; " if missing and extra else "")
            + (f"not in the collection {extra}" if extra else "")
        )
        raise BadRequest(
            f"the file's numeric columns differ from collection {name!r}'s "
            f"({detail or 'different order'}); nothing was stored"
        )


def attach_labels(context: ServiceContext, job: JobContext) -> dict[str, Any]:
    """Job handler for LABEL_KIND: label the first vectors of the collection, in order. Whatever
    ends it early removes its files at once (as an upload's job does): the staged labels, and
    the label segment if it was staged or moved into the collection but never recorded (the
    collection was deleted, or the job cancelled, before the final transaction)."""
    token, collection_id = job.payload["token"], job.payload["collection_id"]
    made: list[str] = []  # the label segment's token, once there is one
    try:
        return _attach_labels(context, job, made)
    except BaseException as error:
        if isinstance(error, Exception) and database_unavailable(error):
            # The runner runs the job again once the database is back: keep the staged labels.
            # A label segment already moved in stays until the next start's sweep (whether the
            # failed transaction recorded it cannot be asked now).
            if made:
                context.files.discard(made[0])
            raise
        context.files.discard(token)
        if made:
            segment = made[0]
            context.files.discard(segment)
            context.files.remove_unrecorded_segment(
                collection_id, segment, recorded=lambda: segment_recorded(context, segment)
            )
        raise


def _attach_labels(context: ServiceContext, job: JobContext, made: list[str]) -> dict[str, Any]:
    payload = job.payload
    token, collection_id, name = payload["token"], payload["collection_id"], payload["label_name"]
    job.report(0.05, "reading the staged labels")
    staged = context.files.read_staged(token)
    values = staged.attributes.get(name, [])
    with context.db.session() as session:
        collection = collection_of_job(context, session, collection_id, "the labels were attached", discard=token)
        stored = context.snapshots.ordered_ids(session, collection)
    if len(values) > len(stored):
        context.files.discard(token)
        raise BadRequest(
            f"the label file has {len(values)} values but collection {collection.name!r} has "
            f"{len(stored)} vectors; no label was attached"
        )
    ids = stored[: len(values)].tolist()
    job.report(0.5, f"attaching {len(values)} labels")
    segment = context.files.stage(ids=ids, attributes={name: values})
    made.append(segment)
    context.files.discard(token)
    context.files.publish(segment, collection_id)
    result = {"num_vectors_parsed": len(values), "num_vectors_labelled": len(values), "label_name": name}
    with context.db.session() as session:
        collection = collection_of_job(context, session, collection_id, "the labels were attached")
        session.add(
            Segment(
                collection_id=collection_id, kind="attributes", directory=segment, num_rows=len(ids), created_at=now()
            )
        )
        names = list(collection.attribute_names or [])
        if name not in names:
            collection.attribute_names = [*names, name]
        job.finish(session, result)
    return result


class FileService:
    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    # -- uploads -------------------------------------------------------------
    def upload(self, tenant: Tenant, request: UploadRequest) -> UploadResponse:
        """`upload` and `upload_automl_X` (the same call; the file in `file_data` or `X`)."""
        project_name, collection_name = request.project_name, request.collection_name
        with self.context.db.session() as session:
            project = get_project(session, tenant.id, project_name)
            existing = find_collection(session, project, collection_name)
            project_id = project.id
        if existing is not None:
            inline = read_inline_file(
                self.context,
                request,
                categorical_features=request.categorical_features,
                vector_attributes=request.vector_attributes,
                vector_type=existing.vector_type,
                expected_dim=int(existing.vector_dim) if existing.vector_type == "sparse" else None,
            )
        else:
            inline = read_inline_file(
                self.context,
                request,
                categorical_features=request.categorical_features,
                vector_attributes=request.vector_attributes,
            )
        table, checksum_server = inline.table, inline.checksum_server
        collection = self._target(project_id, collection_name, table, inline.vector_type)
        prefix = uuid.uuid4().hex[:12]
        ids = [f"{prefix}-{i}" for i in range(table.num_rows)]
        batch = Batch(
            vectors=table.vectors,
            ids=ids,
            attributes=table.attributes,
            categorical=table.categorical,
            warnings=table.warnings,
        )
        job_id = submit_batch(self.context, tenant, collection, project_name, batch)
        return UploadResponse(
            job_id=job_id,
            checksum_server=checksum_server,
            num_vectors=table.num_rows,
            vector_dim=table.dim,
            string_id_prefix=prefix,
            warnings=table.warnings or None,
        )

    upload_automl_X = upload  # noqa: N815 - the documented name

    def _target(self, project_id: int, name: str, table: ParsedTable, vector_type: str) -> Collection:
        """The collection to append to, created now if missing, after checking its schema."""
        for _ in range(2):
            try:
                with self.context.db.session() as session:
                    project = session.get(Project, project_id)
                    if project is None:
                        raise NotFound("The project was deleted during the upload")
                    collection = find_collection(session, project, name)
                    if collection is None:
                        collection = Collection(
                            project_id=project_id,
                            name=name,
                            vector_type=vector_type,
                            vector_dim=table.dim,
                            column_names=table.column_names,
                            categorical_features=[],
                            attribute_names=[],
                            num_vectors=0,
                            created_at=now(),
                        )
                        session.add(collection)
                        session.flush()
                        return collection
                    if collection.vector_type != vector_type:
                        raise BadRequest(
                            f"vector_type: collection {name!r} holds {collection.vector_type} vectors; "
                            f"the file was read as {vector_type}"
                        )
                    _check_schema(collection, table)
                    if not collection.column_names and table.column_names and int(collection.num_vectors) == 0:
                        collection.column_names = table.column_names
                    return collection
            except IntegrityError:  # created concurrently by another upload: check against it
                continue
        raise BadRequest(f"collection_name {name!r}: created concurrently; retry the upload")

    # -- labels --------------------------------------------------------------
    def attach_automl_label(self, tenant: Tenant, request: AttachAutomlLabelRequest) -> AttachAutomlLabelResponse:
        project_name, collection_name = request.project_name, request.collection_name
        payload, payload_field = request.payload_and_field()
        given = request.name()
        with self.context.db.session() as session:
            collection = get_collection(session, tenant.id, project_name, collection_name)
        with client_input(payload_field):
            decoded = decode_payload(
                _payload_text(payload, payload_field),
                field=payload_field,
                compression_type=request.compression_type,
                checksum=request.checksum,
                max_decoded_bytes=self.context.settings.max_decoded_bytes,
            )
            labels = parse_labels(decoded.data, has_field_names=bool(request.has_field_names), label_name=given)
        name = (given or labels.name_from_header or "").strip()
        if not name:
            raise BadRequest(
                "label_name is required (also accepted: attribute_name, label_attribute, or a header "
                "line with has_field_names: true)"
            )
        token = self.context.files.stage(ids=[], attributes={name: labels.values})
        job_id = make_job_id(
            self.context.job_id_prefix(tenant), project_name, collection_name, "AddAttributesFromFileJob"
        )
        job_payload = {"token": token, "collection_id": collection.id, "label_name": name, "num_labels": labels.count}
        try:
            with self.context.db.session() as session:
                job = self.context.runner.create(
                    session,
                    kind=LABEL_KIND,
                    job_id=job_id,
                    tenant=tenant.id,
                    collection_ids=[collection.id],
                    payload=job_payload,
                    project_name=project_name,
                    collection_name=collection_name,
                )
                seq = job.seq
        except BaseException:
            self.context.files.discard(token)  # refused (e.g. too many queued jobs): no job will publish it
            raise
        self.context.runner.enqueue(seq, [collection.id])
        return AttachAutomlLabelResponse(
            job_id=job_id, num_vectors_parsed=labels.count, checksum_server=decoded.checksum_server
        )
