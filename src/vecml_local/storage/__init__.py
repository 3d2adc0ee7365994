"""Metadata in SQL (SQLAlchemy), vectors and models as files in the data dir."""

from .db import Database
from .files import DataFiles, SegmentData
from .snapshots import CollectionSnapshot, SnapshotReader, component_names
from .tables import ApiKey, Collection, DeletedId, InstallSecret, Job, Model, Project, Replica, Segment

__all__ = [
    "Database",
    "DataFiles",
    "SegmentData",
    "CollectionSnapshot",
    "SnapshotReader",
    "component_names",
    "ApiKey",
    "Collection",
    "DeletedId",
    "InstallSecret",
    "Job",
    "Model",
    "Project",
    "Replica",
    "Segment",
]
