"""Requests of the file endpoints: `upload`, `upload_automl_X`, `attach_automl_label`.

Fields are typed `Any` and checked by the service, which names the field in its
400 (the payload may be hundreds of MB; pydantic never sees it as more than a str).
"""

from __future__ import annotations

from typing import Any

from .common import CollectionRequest

__all__ = ["UploadRequest", "UploadAutomlXRequest", "AttachAutomlLabelRequest"]


class UploadRequest(CollectionRequest):
    """`/upload` (the older VecML documentation): the file in `file_data` (`X` accepted too)."""

    file_data: Any = None
    X: Any = None
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

    def payload_and_field(self) -> tuple[Any, str]:
        if self.X not in (None, "", b""):
            return self.X, "X"
        if self.file_data not in (None, "", b""):
            return self.file_data, "file_data"
        return None, "X" if isinstance(self, UploadAutomlXRequest) else "file_data"


class UploadAutomlXRequest(UploadRequest):
    """`/upload_automl_X`: the file in `X` (`file_data` accepted too)."""


class AttachAutomlLabelRequest(CollectionRequest):
    """Docs spelling `Y` + `label_name`; live-client spelling `file_data` + `attribute_name`."""

    Y: Any = None
    file_data: Any = None
    label_name: Any = None
    attribute_name: Any = None
    label_attribute: Any = None
    file_format: Any = None
    has_field_names: Any = None
    compression_type: Any = None
    checksum: Any = None

    def payload_and_field(self) -> tuple[Any, str]:
        if self.Y not in (None, "", b""):
            return self.Y, "Y"
        if self.file_data not in (None, "", b""):
            return self.file_data, "file_data"
        return None, "Y"

    def name(self) -> Any:
        for value in (self.label_name, self.attribute_name, self.label_attribute):
            if value not in (None, ""):
                return value
        return None
