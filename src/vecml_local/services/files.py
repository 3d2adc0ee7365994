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
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from typing import Any

from sqlalchemy.exc import IntegrityError

from ..errors import BadRequest, NotFound
from ..ingest import (
    FileOptions,
    ParsedTable,
    canonical_file_format,
    canonical_vector_type,
    decode_payload,
    parse_file,
    parse_labels,
)
from ..jobs import JobContext, make_job_id
from ..names import check_name
from ..storage import Collection, Project, Segment
from ..storage.repository import find_collection, get_collection, get_project
from ..timefmt import now
from .batches import Batch, collection_of_job, submit_batch
from .context import ServiceContext, Tenant

__all__ = ["FileService", "LABEL_KIND", "InlineFile", "UploadFields", "read_inline_file", "attach_labels"]

LABEL_KIND = "label"


@dataclass
class UploadFields:
    """The file-describing fields of an upload (or inline prediction) request, unvalidated."""

    payload: Any = None
    payload_field: str = "X"
    file_format: Any = None
    has_field_names: Any = None
    vector_type: Any = None
    vector_data_field_name: Any = None
    categorical_features: Any = None
    vector_attributes: Any = None
    binary_dtype: Any = None
    binary_dim: Any = None
    compression_type: Any = None
    checksum: Any = None

    @classmethod
    def from_request(cls, body: Any, **overrides: Any) -> UploadFields:
        """The fields of a request object that carries them (same names) and has
        `payload_and_field()`; `overrides` replace individual values."""
        payload, field = body.payload_and_field()
        values = {f.name: getattr(body, f.name, None) for f in dataclass_fields(cls)}
        values.update(payload=payload, payload_field=field, **overrides)
        return cls(**values)


@dataclass
class InlineFile:
    table: ParsedTable
    checksum_server: str | None
    vector_type: str  # the type the file was read as


def _bool(value: Any, field: str, default: bool | None) -> bool:
    if value is None:
        if default is None:
            raise BadRequest(f"{field} is required (true if the first line holds the column names)")
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0", "yes", "no"):
        return value.strip().lower() in ("true", "1", "yes")
    raise BadRequest(f"{field} must be true or false; got {value!r}")


def _names(value: Any, field: str) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    raise BadRequest(f"{field} must be an array of column names")


def _optional_str(value: Any, field: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadRequest(f"{field} must be a string")
    return value


def _binary_dim(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(f"binary_dim must be a positive integer; got {value!r}")
    return value


def _payload_text(value: Any, field: str) -> str | bytes | memoryview:
    """The Base64 text (a memoryview when the route cut it out of the raw body unparsed)."""
    if value is None or (isinstance(value, str | bytes | memoryview) and len(value) == 0):
        raise BadRequest(f"{field} is required: the file's bytes, base64-encoded")
    if not isinstance(value, str | bytes | memoryview):
        raise BadRequest(f"{field} must be a base64 string")
    return value


def read_inline_file(
    context: ServiceContext,
    fields: UploadFields,
    *,
    vector_type: str | None = None,
    expected_dim: int | None = None,
) -> InlineFile:
    """Decode and parse a file sent in a request.

    `vector_type`/`expected_dim` come from an existing collection when there is one
    (also what `automl_predict` with an inline file should pass).
    """
    file_format = canonical_file_format(fields.file_format)
    requested_type = None if fields.vector_type in (None, "") else canonical_vector_type(fields.vector_type)
    if file_format == "binary" and requested_type in (None, "dense"):
        # The docs: for binary files the client may say "dense"; the element type is binary_dtype.
        element = "dense8Bit" if str(fields.binary_dtype or "").strip().lower() == "uint8" else "dense"
        requested_type = vector_type or element
    if vector_type is not None and requested_type is not None and requested_type != vector_type:
        raise BadRequest(
            f"vector_type: the collection holds {vector_type} vectors; the file was sent as {requested_type}"
        )
    default_type = "sparse" if file_format == "libsvm" else "dense"
    options = FileOptions(
        file_format=file_format,
        has_field_names=_bool(fields.has_field_names, "has_field_names", None if file_format == "csv" else True),
        vector_type=vector_type or requested_type or default_type,
        vector_data_field_name=_optional_str(fields.vector_data_field_name, "vector_data_field_name"),
        categorical_features=_names(fields.categorical_features, "categorical_features"),
        vector_attributes=_names(fields.vector_attributes, "vector_attributes"),
        binary_dtype=_optional_str(fields.binary_dtype, "binary_dtype"),
        binary_dim=_binary_dim(fields.binary_dim),
        expected_dim=expected_dim,
    )
    decoded = decode_payload(
        _payload_text(fields.payload, fields.payload_field),
        field=fields.payload_field,
        compression_type=_optional_str(fields.compression_type, "compression_type"),
        checksum=_optional_str(fields.checksum, "checksum"),
        max_decoded_bytes=context.settings.max_decoded_bytes,
    )
    try:
        table = parse_file(decoded.data, options)
    except BadRequest as error:
        raise _renamed(error, fields.payload_field) from None
    return InlineFile(table, decoded.checksum_server, options.vector_type)


def _renamed(error: BadRequest, field: str) -> BadRequest:
    """The parsers say `file_data:`; name the field the file actually came in."""
    prefix = "file_data:"
    if field != "file_data" and error.message.startswith(prefix):
        return BadRequest(field + ":" + error.message[len(prefix) :])
    return error


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
    """Job handler for LABEL_KIND: label the first vectors of the collection, in order."""
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
    def upload(self, tenant: Tenant, project_name: str, collection_name: str, fields: UploadFields) -> dict[str, Any]:
        check_name(project_name, "project_name")
        check_name(collection_name, "collection_name")
        with self.context.db.session() as session:
            project = get_project(session, tenant.id, project_name)
            existing = find_collection(session, project, collection_name)
            project_id = project.id
        if existing is not None:
            inline = read_inline_file(
                self.context,
                fields,
                vector_type=existing.vector_type,
                expected_dim=int(existing.vector_dim) if existing.vector_type == "sparse" else None,
            )
        else:
            inline = read_inline_file(self.context, fields)
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
        body: dict[str, Any] = {"success": True, "job_id": job_id, "error_message": "none"}
        if checksum_server is not None:
            body["checksum_server"] = checksum_server
        body.update(num_vectors=table.num_rows, vector_dim=table.dim, string_id_prefix=prefix)
        if table.warnings:
            body["warnings"] = table.warnings
        return body

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
    def attach_automl_label(
        self,
        tenant: Tenant,
        project_name: str,
        collection_name: str,
        *,
        payload: Any,
        payload_field: str,
        label_name: Any,
        has_field_names: Any = None,
        compression_type: Any = None,
        checksum: Any = None,
    ) -> dict[str, Any]:
        given = _optional_str(label_name, "label_name")
        with self.context.db.session() as session:
            collection = get_collection(session, tenant.id, project_name, collection_name)
        decoded = decode_payload(
            _payload_text(payload, payload_field),
            field=payload_field,
            compression_type=_optional_str(compression_type, "compression_type"),
            checksum=_optional_str(checksum, "checksum"),
            max_decoded_bytes=self.context.settings.max_decoded_bytes,
        )
        try:
            labels = parse_labels(
                decoded.data, has_field_names=_bool(has_field_names, "has_field_names", False), label_name=given
            )
        except BadRequest as error:
            raise _renamed(error, payload_field) from None
        name = (given or labels.name_from_header or "").strip()
        if not name:
            raise BadRequest(
                "label_name is required (also accepted: attribute_name, label_attribute, or a header "
                "line with has_field_names: true)"
            )
        token = self.context.files.stage(ids=[], attributes={name: labels.values})
        job_id = make_job_id(tenant.fingerprint, project_name, collection_name, "AddAttributesFromFileJob")
        job_payload = {"token": token, "collection_id": collection.id, "label_name": name, "num_labels": labels.count}
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
        self.context.runner.enqueue(seq, [collection.id])
        body: dict[str, Any] = {
            "success": True,
            "job_id": job_id,
            "error_message": "none",
            "num_vectors_parsed": labels.count,
        }
        if decoded.checksum_server is not None:
            body["checksum_server"] = decoded.checksum_server
        return body
