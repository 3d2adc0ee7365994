"""parse_libsvm: labels, indices as given, comments, dimension, bad tokens by line."""

from __future__ import annotations

import io

import numpy as np
import pytest
from sklearn.datasets import load_svmlight_file

from vecml_local.ingest.errors import IngestError
from vecml_local.ingest.libsvm import parse_libsvm


def test_rows_labels_and_indices_as_given() -> None:
    table = parse_libsvm(b"1 0:1.5 3:2\n-1 1:1 # a comment\n\n0.5 2:7\r\n 4:1\n")
    np.testing.assert_array_equal(
        table.vectors.toarray(), [[1.5, 0, 0, 2, 0], [0, 1, 0, 0, 0], [0, 0, 7, 0, 0], [0, 0, 0, 0, 1]]
    )
    assert table.vectors.dtype == np.float32
    assert table.attributes == {"label": ["1", "-1", "0.5", None]}
    assert table.column_names is None and table.categorical == []


def test_matches_sklearn_zero_based() -> None:
    rng = np.random.default_rng(1)
    lines = []
    for i in range(200):
        idx = np.sort(rng.choice(50, 5, replace=False))
        lines.append(f"{i % 3} " + " ".join(f"{a}:{b:.4f}" for a, b in zip(idx, rng.standard_normal(5))))
    data = ("\n".join(lines) + "\n").encode()
    expected, labels = load_svmlight_file(io.BytesIO(data), zero_based=True)
    table = parse_libsvm(data)
    np.testing.assert_allclose(table.vectors.toarray()[:, : expected.shape[1]], expected.toarray(), rtol=1e-6)
    assert table.attributes["label"] == [str(int(v)) for v in labels]


def test_unsorted_and_duplicate_indices_are_summed() -> None:
    table = parse_libsvm(b"1 3:1 1:2 3:4\n")
    assert table.vectors.toarray().tolist() == [[0, 2, 0, 5]]


def test_expected_dim() -> None:
    assert parse_libsvm(b"1 2:1\n", expected_dim=10).vectors.shape == (1, 10)
    with pytest.raises(IngestError) as error:
        parse_libsvm(b"1 2:1\n0 12:1\n", expected_dim=10)
    assert error.value.message == "line 2: index 12 is outside the collection's dimension 10 (indices 0 to 9)"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b"1 0:1\n2 x:3\n",
            "line 2: bad token 'x:3' (expected index:value with a whole, non-negative index and a number)",
        ),
        (
            b"1 0:1\n2 1:3:4\n",
            "line 2: bad token '1:3:4' (expected index:value with a whole, non-negative index and a number)",
        ),
        (b"1 0:1\n# c\n2 3 1:4\n", "line 3: bad token '3' (a feature must be a number as index:value)"),
        (
            b"1 0:1\n2 1.5:4\n",
            "line 2: bad token '1.5:4' (expected index:value with a whole, non-negative index and a number)",
        ),
        (b"1 0:1\nabc 1:2\n", "line 2: bad token 'abc' (the label must be a number)"),
        (
            b"1 0:1\n2 -1:2\n",
            "line 2: bad token '-1:2' (expected index:value with a whole, non-negative index and a number)",
        ),
        (b"1 0:a\n", "line 1: bad token '0:a' (expected index:value with a whole, non-negative index and a number)"),
    ],
)
def test_bad_token_names_the_line(data: bytes, message: str) -> None:
    with pytest.raises(IngestError) as error:
        parse_libsvm(data)
    assert error.value.message == message


def test_empty_file() -> None:
    with pytest.raises(IngestError, match="^file_data: the libsvm file holds no rows$"):
        parse_libsvm(b"# only a comment\n\n")


def test_chunks_give_the_same_result_and_global_line_numbers() -> None:
    data = b"".join(b"%d %d:%d.5 %d:1\n" % (i % 2, i % 5, i, 5 + i % 3) for i in range(1000))
    whole = parse_libsvm(data)
    chunked = parse_libsvm(data, chunk_bytes=97)
    assert (whole.vectors != chunked.vectors).nnz == 0 and whole.attributes == chunked.attributes
    broken = data + b"1 0:1 x\n"
    with pytest.raises(IngestError, match=r"^line 1001: bad token 'x'"):
        parse_libsvm(broken, chunk_bytes=97)
    with pytest.raises(IngestError, match=r"^line 1001: index 10 is outside"):
        parse_libsvm(data + b"1 10:1\n", expected_dim=8, chunk_bytes=97)
