"""How each distance maps onto the k-means kernels (metric code, centroid update, seeding
metric, whether Hamerly's bounds apply) and the rows the kernels take. Shared by the
in-process k-means (`kmeans`) and the partitioned one on Dask (`partitioned`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vecml_local.ml import distances as dist

from ._parallel import kernels

__all__ = ["Space", "space_for", "prepare_rows"]


@dataclass
class Space:
    """How a distance maps onto the kernels."""

    metric: int  # kernel metric code (`_common_kernels`)
    update: str  # mean | unit_mean | median | mode
    seed_metric: int
    hamerly: bool

    @property
    def gemm(self) -> bool:
        """Squared Euclidean and inner product: Lloyd assigns through BLAS."""
        K = kernels("_common_kernels")
        codes: tuple[int, int] = (K.SQEUCLID, K.NEG_IP)
        return self.metric in codes

    @property
    def halved(self) -> bool:
        """Cosine as squared Euclidean on unit rows: |x - c|^2 / 2 = 1 - cos."""
        squared_l2: int = kernels("_common_kernels").SQEUCLID
        return self.update == "unit_mean" and self.metric == squared_l2


def space_for(dist_type: str) -> Space:
    K = kernels("_common_kernels")
    return {
        dist.EUCLIDEAN: Space(K.SQEUCLID, "mean", K.SQEUCLID, True),
        dist.COSINE: Space(K.SQEUCLID, "unit_mean", K.SQEUCLID, True),
        dist.INNER_PRODUCT: Space(K.NEG_IP, "unit_mean", K.SQEUCLID, False),
        dist.MANHATTAN: Space(K.MANHATTAN, "median", K.MANHATTAN, True),
        dist.HAMMING: Space(K.HAMMING, "mode", K.HAMMING, True),
    }[dist_type]


def prepare_rows(block: np.ndarray, dist_type: str) -> np.ndarray:
    """Dense rows in the space the kernels work in (unit rows for Cosine)."""
    block = np.ascontiguousarray(block, dtype=np.float32)
    if dist_type == dist.COSINE:
        return dist.normalize_rows(block)
    return block
