"""Distance names and blocked distance helpers shared by the clustering functions.

Canonical (echoed) names and what each means here:

| input (case/space/underscore-insensitive)            | echoed name                | distance d(x, y)                   |
|------------------------------------------------------|----------------------------|------------------------------------|
| Euclidean, L2                                        | `Euclidean`                | ||x - y||_2                        |
| Manhattan, L1, cityblock                             | `Manhattan`                | ||x - y||_1                        |
| Cosine, NegativeCosineSimilarity, angular            | `NegativeCosineSimilarity` | 1 - cos(x, y)  (in [0, 2])         |
| Inner Product, InnerProduct, IP, dot, NegativeInnerProduct | `NegativeInnerProduct` | -<x, y>  (may be negative)        |
| Hamming                                              | `Hamming`                  | number of coordinates that differ  |

Input matrices: dense float32 (n, d); uint8 (n, d) from quantized collections
(dense8Bit/4Bit/2Bit/1Bit; 1Bit values are 0/1); scipy CSR float32 for sparse.
NaN/Inf values are refused (`InvalidInput` naming `X`). Hamming needs integer codes: uint8
input, or dense input whose values are all 0/1; sparse input is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, TypeAlias, cast

import numpy as np
import scipy.sparse as sp

from vecml_local.ml import InvalidInput

__all__ = [
    "EUCLIDEAN",
    "MANHATTAN",
    "COSINE",
    "INNER_PRODUCT",
    "HAMMING",
    "DIST_TYPES",
    "canonical_dist_type",
    "check_matrix",
    "dense_rows",
    "to_dense_float",
    "normalize_rows",
    "pairwise_distances_block",
    "iter_blocks",
    "knn_blocked",
    "Matrix",
]

Matrix: TypeAlias = "np.ndarray | sp.csr_matrix"  # a collection's vectors: dense rows or CSR

EUCLIDEAN = "Euclidean"
MANHATTAN = "Manhattan"
COSINE = "NegativeCosineSimilarity"
INNER_PRODUCT = "NegativeInnerProduct"
HAMMING = "Hamming"
DIST_TYPES = (EUCLIDEAN, MANHATTAN, COSINE, INNER_PRODUCT, HAMMING)

_ALIASES = {
    "euclidean": EUCLIDEAN,
    "l2": EUCLIDEAN,
    "euclid": EUCLIDEAN,
    "manhattan": MANHATTAN,
    "l1": MANHATTAN,
    "cityblock": MANHATTAN,
    "taxicab": MANHATTAN,
    "cosine": COSINE,
    "cos": COSINE,
    "angular": COSINE,
    "cosinesimilarity": COSINE,
    "negativecosinesimilarity": COSINE,
    "innerproduct": INNER_PRODUCT,
    "ip": INNER_PRODUCT,
    "dot": INNER_PRODUCT,
    "dotproduct": INNER_PRODUCT,
    "negativeinnerproduct": INNER_PRODUCT,
    "hamming": HAMMING,
}

# Dense scratch blocks are kept under this many float32 elements (~64 MB).
BLOCK_ELEMENTS = 16_000_000


def canonical_dist_type(name: Any, field: str = "dist_type") -> str:
    """Map a user spelling to the echoed name; `InvalidInput` naming `field` otherwise."""
    if name is None:
        return EUCLIDEAN
    if not isinstance(name, str):
        raise InvalidInput(
            f"{field} must be a string, one of: Euclidean, L2, Manhattan, L1, Cosine, Inner Product, Hamming"
        )
    key = re.sub(r"[\s_\-]+", "", name).lower()
    if key == "":
        return EUCLIDEAN
    try:
        return _ALIASES[key]
    except KeyError:
        raise InvalidInput(
            f"{field} '{name}' is not supported; use one of: Euclidean (L2), Manhattan (L1), "
            "Cosine, Inner Product, Hamming"
        ) from None


def check_matrix(X: Any, dist_type: str, *, field: str = "X") -> np.ndarray | sp.csr_matrix:
    """Validate an input matrix for `dist_type`; return it as float32/uint8 ndarray or CSR float32."""
    if sp.issparse(X):
        S: sp.csr_matrix = sp.csr_matrix(X, dtype=np.float32)  # type: ignore[call-overload]  # any sparse format
        if S.ndim != 2 or S.shape[0] == 0:
            raise InvalidInput(f"{field}: the collection has no vectors")
        if not np.all(np.isfinite(S.data)):
            raise InvalidInput(f"{field}: the vectors contain NaN or infinite values")
        if dist_type == HAMMING:
            raise InvalidInput("dist_type 'Hamming' is not supported on sparse collections")
        return S
    A: np.ndarray = np.asarray(X)
    if A.ndim != 2 or A.shape[0] == 0 or A.shape[1] == 0:
        raise InvalidInput(f"{field}: the collection has no vectors")
    if A.dtype == np.uint8:
        return np.ascontiguousarray(A)
    if A.dtype.kind in "iub":
        if A.size and (A.min() < 0 or A.max() > 255):
            A = A.astype(np.float32)
        else:
            return np.ascontiguousarray(A.astype(np.uint8))
    A = np.ascontiguousarray(A, dtype=np.float32)
    if not np.all(np.isfinite(A)):
        raise InvalidInput(f"{field}: the vectors contain NaN or infinite values; clustering needs finite numbers")
    if dist_type == HAMMING:
        if not np.all((A == 0) | (A == 1)):
            raise InvalidInput("dist_type 'Hamming' needs binary (0/1) or quantized (dense8Bit/4Bit/2Bit/1Bit) vectors")
        return A.astype(np.uint8)
    return A


def dense_rows(X: np.ndarray | sp.csr_matrix, rows: Any = None, dtype: Any = np.float32) -> np.ndarray:
    """Rows of X (all, a slice or an index array) as a C-contiguous dense array."""
    part = X if rows is None else X[rows]
    if sp.issparse(part):
        part = cast(sp.csr_matrix, part).toarray()
    dense: np.ndarray = np.ascontiguousarray(part, dtype=dtype)
    return dense


def to_dense_float(X: np.ndarray | sp.csr_matrix, *, max_elements: int = 400_000_000, what: str = "X") -> np.ndarray:
    """The whole matrix as dense float32; a sparse matrix too large to densify is `InvalidInput`."""
    if sp.issparse(X) and X.shape[0] * X.shape[1] > max_elements:
        raise InvalidInput(
            f"{what}: the sparse collection ({X.shape[0]} x {X.shape[1]}) is too large for this operation "
            f"(at most {max_elements} dense elements); use fewer vectors or dimensions"
        )
    return dense_rows(X)


def normalize_rows(A: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 norm (zero rows stay zero), float32."""
    A = np.asarray(A, dtype=np.float32)
    norms = np.sqrt(np.einsum("ij,ij->i", A, A, dtype=np.float64)).astype(np.float32)
    norms[norms == 0] = 1.0
    unit: np.ndarray = A / norms[:, None]
    return unit


def iter_blocks(n: int, d: int, max_elements: int = BLOCK_ELEMENTS, min_rows: int = 64) -> Iterator[tuple[int, int]]:
    """Yield (start, stop) row ranges whose dense block stays under max_elements."""
    step = max(min_rows, max_elements // max(d, 1))
    for s in range(0, n, step):
        yield s, min(n, s + step)


def pairwise_distances_block(A: np.ndarray, B: np.ndarray, dist_type: str) -> np.ndarray:
    """Dense distances (len(A), len(B)) as float32, for blocks small enough to hold in memory.

    A and B are dense; cosine rows must not be pre-normalized (done here).
    """
    D: np.ndarray  # float64 arithmetic of float32 inputs: numpy's stubs cannot follow the dtype
    if dist_type == EUCLIDEAN:
        A64 = A.astype(np.float32, copy=False)
        B64 = B.astype(np.float32, copy=False)
        aa = np.einsum("ij,ij->i", A64, A64, dtype=np.float64)
        bb = np.einsum("ij,ij->i", B64, B64, dtype=np.float64)
        D = aa[:, None] - 2.0 * (A64 @ B64.T).astype(np.float64) + bb[None, :]
        np.maximum(D, 0.0, out=D)
        D = np.sqrt(D).astype(np.float32)
        return D
    if dist_type == COSINE:
        D = 1.0 - normalize_rows(A) @ normalize_rows(B).T
        np.clip(D, 0.0, 2.0, out=D)
        return D.astype(np.float32, copy=False)
    if dist_type == INNER_PRODUCT:
        D = -(A.astype(np.float32, copy=False) @ B.astype(np.float32, copy=False).T)
        return D
    if dist_type == MANHATTAN:
        from scipy.spatial.distance import cdist

        D = cdist(A.astype(np.float64), B.astype(np.float64), "cityblock").astype(np.float32)
        return D
    if dist_type == HAMMING:
        from scipy.spatial.distance import cdist

        D = (cdist(A, B, "hamming") * A.shape[1]).round().astype(np.float32)
        return D
    raise InvalidInput(f"dist_type '{dist_type}' is not supported")


def knn_blocked(
    Q: np.ndarray,
    X: np.ndarray | sp.csr_matrix,
    k: int,
    dist_type: str,
    *,
    exclude: np.ndarray | None = None,
    max_elements: int = BLOCK_ELEMENTS,
) -> np.ndarray:
    """Distances (len(Q), k), ascending, from each query to its k nearest rows of X.

    Brute force in blocks of X so memory stays O(len(Q) * (k + block)). `exclude[i]`
    is a row index of X never counted for query i (the query itself).
    """
    m = Q.shape[0]
    n, d = X.shape
    best = np.full((m, k), np.inf, dtype=np.float32)
    rows_per_block = max(64, max_elements // max(m + d, 1))
    for s in range(0, n, rows_per_block):
        e = min(n, s + rows_per_block)
        D = pairwise_distances_block(Q, dense_rows(X, slice(s, e)), dist_type)
        if exclude is not None:
            hit = (exclude >= s) & (exclude < e)
            D[np.nonzero(hit)[0], exclude[hit] - s] = np.inf
        both = np.concatenate([best, D], axis=1)
        kk = min(k, both.shape[1] - 1)
        part = np.partition(both, kk, axis=1)[:, :k] if both.shape[1] > k else both
        best = np.sort(part, axis=1)[:, :k]
    return best
