"""table: vector-type names and the conversion to storage dtypes."""

from __future__ import annotations

import numpy as np
import pytest

from vecml_local.ingest.errors import IngestError
from vecml_local.ingest.table import canonical_vector_type, finalize_vectors


def test_canonical_vector_type() -> None:
    assert canonical_vector_type(None) == "dense"
    assert canonical_vector_type("DENSE8BIT") == "dense8Bit"
    with pytest.raises(IngestError, match="^vector_type: unknown vector type 'fancy'"):
        canonical_vector_type("fancy")


def test_finalize_each_type() -> None:
    matrix = np.array([[0, 1], [1, 0]], dtype=np.float32)
    assert finalize_vectors(matrix, "dense").dtype == np.float32
    assert finalize_vectors(matrix, "dense1Bit").dtype == np.uint8
    assert finalize_vectors(matrix, "sparse").nnz == 2
    with pytest.raises(IngestError) as error:
        finalize_vectors(np.array([[0, -1]], dtype=np.float32), "dense2Bit", row_label=lambda r: f"line {r + 2}")
    assert error.value.message == (
        "line 2, column 'column 2': value -1 is not allowed for vector_type dense2Bit (whole numbers from 0 to 3)"
    )
