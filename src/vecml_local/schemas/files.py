"""File endpoints: `upload`, `upload_automl_X`, `attach_automl_label`; `FileFields`, the fields that
describe a Base64 file sent in a request (also used by `automl_predict`'s inline file).

The Base64 payload (`X`, `Y`, `file_data`) stays raw: it may be hundreds of MB, and the route
cuts it out of the body without a JSON parse (`api/body.py`); pydantic never copies it.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue, WithJsonSchema

from .common import AcceptedJobResponse, CollectionRequest
from .types import (
    BinaryDtype,
    CompressionType,
    FileFormat,
    LenientBool,
    LenientInt,
    NameList,
    OptionalAttributeName,
    OptionalText,
    VectorType,
)

__all__ = [
    "FileFields",
    "UploadRequest",
    "UploadResponse",
    "UploadAutomlXRequest",
    "UploadAutomlXResponse",
    "AttachAutomlLabelRequest",
    "AttachAutomlLabelResponse",
    "Payload",
]

Payload = Annotated[Any, WithJsonSchema({"type": "string", "contentEncoding": "base64"})]
_BASE64 = "The file's bytes, Base64-encoded (gzip them first and set compression_type to send less)."
_WHERE: dict[str, JsonValue] = {
    "user_api_key": "api_key_123",
    "project_name": "ProjectA",
    "collection_name": "MyDataset",
}


class FileFields(BaseModel):
    """How to read a file sent inline; `payload_and_field()` says where it came."""

    file_format: FileFormat = Field(None, description='The file\'s format: "csv", "json", "libsvm" or "binary".')
    has_field_names: LenientBool | None = Field(
        None,
        description="csv: whether the first line holds the column names (required); json: whether records "
        "are objects with named fields.",
    )
    vector_type: VectorType = Field(
        None,
        description="The vectors' element type (dense, dense8Bit, dense4Bit, dense2Bit, dense1Bit, sparse); "
        "sparse suits libsvm files.",
    )
    vector_data_field_name: OptionalAttributeName = Field(
        None, description="json with field names: the field holding each record's vector."
    )
    binary_dtype: BinaryDtype = Field(
        None, description='binary files: the element type, "uint8" or "float32" (also "int8").'
    )
    binary_dim: LenientInt | None = Field(None, ge=1, description="binary files: the number of elements per vector.")
    compression_type: CompressionType = Field(None, description='"gzip" when the file was gzipped before Base64.')
    checksum: OptionalText = Field(
        None, description="The SHA-256 (hex) of the Base64 text as sent; a mismatch refuses the file."
    )

    def payload_and_field(self) -> tuple[Any, str]:
        """(the Base64 payload or None, the name of the field it came in)."""
        raise NotImplementedError


class UploadRequest(CollectionRequest, FileFields):
    """Upload a file of vectors into a dataset, created if missing (the older VecML documentation's
    `/upload`): the file in `file_data` (`X` accepted too). Asynchronous: poll `get_upload_data_status`."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_WHERE,
                    "file_data": "BASE64_ENCODED_DATA==",
                    "file_format": "csv",
                    "has_field_names": True,
                    "vector_type": "dense",
                    "categorical_features": ["date", "region", "category"],
                }
            ]
        }
    )
    file_data: Payload = Field(None, description=_BASE64)
    X: Payload = Field(None, description="Accepted in place of file_data.")
    categorical_features: NameList = Field(
        default_factory=list,
        description='csv/json: columns to treat as categorical in training; without a header "column N" (1-based).',
    )
    vector_attributes: NameList = Field(
        default_factory=list, description="csv/json: columns kept as attributes of the vectors, not components."
    )

    def payload_and_field(self) -> tuple[Any, str]:
        if self.X not in (None, "", b""):
            return self.X, "X"
        if self.file_data not in (None, "", b""):
            return self.file_data, "file_data"
        return None, "X" if isinstance(self, UploadAutomlXRequest) else "file_data"


class UploadAutomlXRequest(UploadRequest):
    """Upload a feature-matrix file as a dataset (created if missing, appended to otherwise): the file
    in `X` (`file_data` accepted too). Asynchronous: poll `get_upload_data_status`."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_WHERE,
                    "X": "BASE64_ENCODED_DATA==",
                    "file_format": "csv",
                    "has_field_names": True,
                    "vector_type": "dense",
                    "categorical_features": ["date", "region", "category"],
                }
            ]
        }
    )
    X: Payload = Field(None, description=_BASE64)
    file_data: Payload = Field(None, description="Accepted in place of X.")


class UploadResponse(AcceptedJobResponse):
    checksum_server: str | None = Field(
        None, description="The server's SHA-256 of the Base64 text, when the request had a checksum."
    )
    num_vectors: int = Field(description="Extension: the rows read from the file.")
    vector_dim: int = Field(description="Extension: the vector components per row.")
    string_id_prefix: str = Field(description="Extension: the rows' ids are <prefix>-<0-based row>.")
    warnings: list[str] | None = Field(None, description="Extension: parts of the file that were ignored or guessed.")


class UploadAutomlXResponse(UploadResponse):
    pass


class AttachAutomlLabelRequest(CollectionRequest):
    """Attach a label column to an existing dataset: line i of the file labels the dataset's i-th vector.
    The VecML documentation's spelling is `Y` + `label_name`; `file_data` + `attribute_name` work too."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_WHERE,
                    "Y": "BASE64_ENCODED_LABEL_DATA==",
                    "label_name": "sentiment",
                    "compression_type": "gzip",
                }
            ]
        }
    )
    Y: Payload = Field(None, description="The label file (one label per line), Base64-encoded.")
    file_data: Payload = Field(None, description="Accepted in place of Y.")
    label_name: OptionalAttributeName = Field(None, description="The name of the attribute the labels become.")
    attribute_name: OptionalAttributeName = Field(None, description="Accepted in place of label_name.")
    label_attribute: OptionalAttributeName = Field(None, description="Accepted in place of label_name.")
    file_format: OptionalText = Field(None, description='Accepted and ignored: the file is read as lines ("csv").')
    has_field_names: LenientBool | None = Field(
        None, description="true: the first line is a header (its text names the label when label_name is absent)."
    )
    compression_type: CompressionType = Field(None, description='"gzip" when the file was gzipped before Base64.')
    checksum: OptionalText = Field(None, description="The SHA-256 (hex) of the Base64 text as sent.")

    def payload_and_field(self) -> tuple[Any, str]:
        if self.Y not in (None, "", b""):
            return self.Y, "Y"
        if self.file_data not in (None, "", b""):
            return self.file_data, "file_data"
        return None, "Y"

    def name(self) -> str | None:
        for value in (self.label_name, self.attribute_name, self.label_attribute):
            if value not in (None, ""):
                return value
        return None


class AttachAutomlLabelResponse(AcceptedJobResponse):
    num_vectors_parsed: int = Field(description="The labels read from the file.")
    checksum_server: str | None = Field(
        None, description="The server's SHA-256 of the Base64 text, when the request had a checksum."
    )
