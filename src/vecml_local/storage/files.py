"""The data dir on disk. Directories are keyed by internal ids, never by names.

    <data_dir>/staging/<token>/            a batch decoded and checked, waiting for its job
    <data_dir>/collections/<id>/<token>/   a published segment (immutable)
    <data_dir>/models/<id>/                a model's artifacts

A batch is written to `<token>.tmp`, each file fsynced, then the directory is
renamed: a crash never leaves a half-written batch under a final name.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import scipy.sparse as sp

from .space import StorageHealth

__all__ = ["DataFiles", "SegmentData"]

VECTORS_DENSE = "vectors.npy"
VECTORS_SPARSE = "vectors.npz"
IDS = "ids.json"
ATTRIBUTES = "attributes.json"


@dataclass
class SegmentData:
    vectors: np.ndarray | sp.csr_matrix | None
    ids: list[str]
    attributes: dict[str, list[Any]]


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _save_vectors(directory: Path, vectors: np.ndarray | sp.csr_matrix) -> None:
    try:
        _save_vectors_as_is(directory, vectors)
    except OSError as error:
        if error.errno is None and "requested and" in str(error):
            # numpy's short write ("N requested and M written") is a full disk without its errno.
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(directory)) from error
        raise


def _save_vectors_as_is(directory: Path, vectors: np.ndarray | sp.csr_matrix) -> None:
    if sp.issparse(vectors):
        csr = sp.csr_matrix(vectors)
        path = directory / VECTORS_SPARSE
        with open(path, "wb") as handle:
            np.savez(
                handle,
                data=csr.data.astype(np.float32),
                indices=csr.indices.astype(np.int64),
                indptr=csr.indptr.astype(np.int64),
                shape=np.asarray(csr.shape, dtype=np.int64),
            )
            handle.flush()
            os.fsync(handle.fileno())
    else:
        with open(directory / VECTORS_DENSE, "wb") as handle:
            np.save(handle, np.ascontiguousarray(vectors), allow_pickle=False)
            handle.flush()
            os.fsync(handle.fileno())


class DataFiles:
    def __init__(self, data_dir: Path) -> None:
        self.root = Path(data_dir).resolve()
        self.staging = self.root / "staging"
        self.collections = self.root / "collections"
        self.models = self.root / "models"
        for directory in (self.root, self.staging, self.collections, self.models):
            directory.mkdir(parents=True, exist_ok=True)
        self.space = StorageHealth(self.root)

    def writable(self) -> bool:
        return self.space.state() == "ok"

    # -- staging -----------------------------------------------------------
    def stage(
        self,
        *,
        ids: list[str],
        attributes: dict[str, list[Any]],
        vectors: np.ndarray | sp.csr_matrix | None = None,
    ) -> str:
        """Write a batch under a fresh token; return the token once it is durable."""
        token = uuid.uuid4().hex
        temporary = self.staging / f"{token}.tmp"
        try:
            temporary.mkdir()
            if vectors is not None:
                _save_vectors(temporary, vectors)
            _write(temporary / IDS, orjson.dumps(ids))
            _write(temporary / ATTRIBUTES, orjson.dumps(attributes))
            _fsync_dir(temporary)
            os.rename(temporary, self.staging / token)
            _fsync_dir(self.staging)
        except BaseException:
            # A full disk (or anything else) midway: no partial batch stays behind to fill it further.
            shutil.rmtree(temporary, ignore_errors=True)
            shutil.rmtree(self.staging / token, ignore_errors=True)
            raise
        return token

    def publish(self, token: str, collection_id: int) -> str:
        """Move a staged batch into its collection; safe to repeat after a crash."""
        target_parent = self.collections / str(int(collection_id))
        target_parent.mkdir(parents=True, exist_ok=True)
        source, target = self.staging / token, target_parent / token
        if source.exists():
            os.rename(source, target)
            _fsync_dir(target_parent)
        elif not target.exists():
            raise FileNotFoundError(f"staged batch {token} is missing")
        return token

    def discard(self, token: str) -> None:
        shutil.rmtree(self.staging / token, ignore_errors=True)

    def remove_unrecorded_segment(self, collection_id: int, token: str, recorded: Callable[[], bool]) -> None:
        """After a publishing job failed: remove its segment if it was moved in but never recorded."""
        path = self.collections / str(int(collection_id)) / token
        if path.exists() and not recorded():
            shutil.rmtree(path, ignore_errors=True)
            with contextlib.suppress(OSError):  # the collection's directory, if that left it empty
                path.parent.rmdir()

    def read_staged(self, token: str) -> SegmentData:
        return self._read(self.staging / token)

    # -- published segments ------------------------------------------------
    def read_segment(self, collection_id: int, directory: str) -> SegmentData:
        return self._read(self.collections / str(int(collection_id)) / directory)

    def read_ids(self, collection_id: int, directory: str) -> list[str]:
        ids: list[str] = orjson.loads((self.collections / str(int(collection_id)) / directory / IDS).read_bytes())
        return ids

    def read_staged_ids(self, token: str) -> list[str]:
        ids: list[str] = orjson.loads((self.staging / token / IDS).read_bytes())
        return ids

    def _read(self, directory: Path) -> SegmentData:
        vectors: np.ndarray | sp.csr_matrix | None = None
        if (directory / VECTORS_DENSE).exists():
            vectors = np.load(directory / VECTORS_DENSE, mmap_mode="r", allow_pickle=False)
        elif (directory / VECTORS_SPARSE).exists():
            with np.load(directory / VECTORS_SPARSE, allow_pickle=False) as parts:
                vectors = sp.csr_matrix((parts["data"], parts["indices"], parts["indptr"]), shape=tuple(parts["shape"]))
        ids = orjson.loads((directory / IDS).read_bytes())
        attributes = orjson.loads((directory / ATTRIBUTES).read_bytes())
        return SegmentData(vectors=vectors, ids=ids, attributes=attributes)

    def remove_collection(self, collection_id: int) -> None:
        shutil.rmtree(self.collections / str(int(collection_id)), ignore_errors=True)

    # -- models --------------------------------------------------------------
    def model_dir(self, model_id: int) -> Path:
        path = self.models / str(int(model_id))
        path.mkdir(parents=True, exist_ok=True)
        return path

    def remove_model(self, model_id: int) -> None:
        shutil.rmtree(self.models / str(int(model_id)), ignore_errors=True)

    # -- recovery ------------------------------------------------------------
    def sweep(
        self,
        live_segments: dict[int, set[str]],
        live_tokens: set[str],
        live_models: set[int],
    ) -> None:
        """Remove what no database row refers to: leftovers of a crash or a delete."""
        for path in self.staging.iterdir():
            if path.name not in live_tokens:
                shutil.rmtree(path, ignore_errors=True)
        for path in self.collections.iterdir():
            known = live_segments.get(int(path.name)) if path.name.isdigit() else None
            if known is None:
                shutil.rmtree(path, ignore_errors=True)
                continue
            for segment in path.iterdir():
                if segment.name not in known:
                    shutil.rmtree(segment, ignore_errors=True)
        for path in self.models.iterdir():
            if not path.name.isdigit() or int(path.name) not in live_models:
                shutil.rmtree(path, ignore_errors=True)
