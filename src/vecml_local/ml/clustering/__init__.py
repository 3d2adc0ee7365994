"""Clustering, laid out like scikit-learn's `sklearn/cluster/`.

- `kmeans` (Lloyd) and `hamerly` (Hamerly's bounds), seeded by `_seeding` (k-means++);
- `dbscan`, `hdbscan` (the `hdbscan` package), `kdist` (k-distance plot for DBSCAN's eps);
- `tsne` (openTSNE), `metrics` (internal and external clustering scores);
- numba kernels by algorithm: `_common_kernels` (distances, metric codes), `_lloyd_kernels`,
  `_hamerly_kernels`, `_seeding_kernels`, `_dbscan_kernels`; `_parallel` configures numba
  on first use and loads them.

Distances and their names are shared with search: `vecml_local.ml.distances`.
Importing this package loads no numba kernel and no heavy library.
"""
