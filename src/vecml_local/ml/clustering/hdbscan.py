"""HDBSCAN through the `hdbscan` package (imported lazily).

| dist_type                  | how                                                                 |
|----------------------------|---------------------------------------------------------------------|
| `Euclidean`                | metric `euclidean` (Boruvka k-d tree)                               |
| `Manhattan`                | metric `manhattan`                                                  |
| `NegativeCosineSimilarity` | rows scaled to unit norm, Euclidean (monotone in cosine distance)   |
| `Hamming`                  | metric `hamming` (fraction of differing coordinates, same order)    |
| `NegativeInnerProduct`     | not offered (the schema refuses it): negative "distances" break the density estimate |

Labels: -1 = noise; `probabilities` in [0, 1] = membership strength.
Sparse input is densified (`InvalidInput` when too large).

Cancelling: the fit is one library call that cannot be interrupted from inside. With a
`should_stop`, a fit larger than a fraction of a second runs in a child process
(`_hdbscan_child`, in a session of its own with any workers it starts), polled every
0.1 s and killed with its whole process group when `should_stop()` turns true: the CPU
is free at once and `ml.Cancelled` is raised. Small fits stay in this process (a child
costs a second or more to import numpy and hdbscan).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from vecml_local.ml import Cancelled, InvalidInput, Progress, ShouldStop
from vecml_local.ml import distances as dist

__all__ = ["HDBSCANResult", "fit_hdbscan"]

# n * n * d above which a fit runs in a child process (~0.1-0.5 s of work in this one)
IN_PROCESS_WORK = 200_000_000
_POLL = 0.1  # seconds between two looks at should_stop while the child works


@dataclass
class HDBSCANResult:
    labels: np.ndarray  # (n,) int32
    probabilities: np.ndarray  # (n,) float64
    n_clusters: int
    dist_type: str


def fit_hdbscan(
    X: dist.Matrix,
    *,
    min_cluster_size: int = 5,
    min_samples: int | None = None,
    cluster_selection_method: str = "eom",
    dist_type: str = "Euclidean",
    num_threads: int = 4,
    should_stop: ShouldStop | None = None,
    progress: Progress | None = None,
    scratch_dir: Path | None = None,
) -> HDBSCANResult:
    """Cluster every row of X. Parameters as checked by the request schema: not Inner
    Product, min_cluster_size >= 2, min_samples >= 1 or None, method 'eom' or 'leaf'.
    `scratch_dir`: where a child process's input and output files go (default: the
    system's temporary directory)."""
    dt = dist.canonical_dist_type(dist_type)
    method = cluster_selection_method
    X = dist.check_matrix(X, dt)
    Xd = dist.to_dense_float(X, max_elements=200_000_000)
    n = Xd.shape[0]
    if n < 2:
        raise InvalidInput("HDBSCAN needs at least 2 vectors")
    metric = {
        dist.EUCLIDEAN: "euclidean",
        dist.MANHATTAN: "manhattan",
        dist.COSINE: "euclidean",
        dist.HAMMING: "hamming",
    }[dt]
    data = dist.normalize_rows(Xd) if dt == dist.COSINE else Xd.astype(np.float64)
    params: dict[str, Any] = {
        "min_cluster_size": int(min(min_cluster_size, n)),
        "min_samples": None if min_samples is None else int(min(min_samples, n - 1)),
        "cluster_selection_method": method,
        "metric": metric,
        "core_dist_n_jobs": max(1, int(num_threads)),
    }
    if progress is not None:
        progress(0.0, f"HDBSCAN: building the cluster hierarchy of {n} vectors")
    if should_stop is not None and n * n * data.shape[1] > IN_PROCESS_WORK:
        labels_, probabilities_ = _fit_in_child(data, params, should_stop, scratch_dir)
    else:
        import hdbscan

        model = hdbscan.HDBSCAN(**params).fit(data)
        labels_, probabilities_ = model.labels_, model.probabilities_
    if progress is not None:
        progress(1.0, "HDBSCAN: done")
    labels = np.asarray(labels_).astype(np.int32)
    probs = np.nan_to_num(np.asarray(probabilities_, dtype=np.float64), nan=0.0)
    return HDBSCANResult(
        labels=labels,
        probabilities=np.clip(probs, 0.0, 1.0),
        n_clusters=int(labels.max() + 1) if labels.size else 0,
        dist_type=dt,
    )


def _fit_in_child(
    data: np.ndarray, params: dict[str, Any], should_stop: ShouldStop, scratch_dir: Path | None
) -> tuple[np.ndarray, np.ndarray]:
    with tempfile.TemporaryDirectory(prefix="vecml-hdbscan-", dir=scratch_dir) as name:
        work = Path(name)
        np.save(work / "data.npy", data, allow_pickle=False)
        (work / "params.json").write_text(json.dumps(params))
        with open(work / "stderr.txt", "wb") as stderr:
            child = subprocess.Popen(
                [sys.executable, "-m", "vecml_local.ml.clustering._hdbscan_child", str(work)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,  # its own process group: its joblib workers end with it
            )
            try:
                while True:
                    try:
                        child.wait(timeout=_POLL)
                        break
                    except subprocess.TimeoutExpired:
                        if should_stop():
                            raise Cancelled("HDBSCAN was cancelled") from None
            finally:
                try:
                    os.killpg(child.pid, signal.SIGKILL)  # on a cancel, or workers left after the fit
                except ProcessLookupError:
                    pass
                child.wait()
        if child.returncode != 0:
            tail = (work / "stderr.txt").read_text(errors="replace").strip().splitlines()[-5:]
            raise RuntimeError(f"the HDBSCAN process exited with {child.returncode}: {' | '.join(tail)}")
        labels = np.load(work / "labels.npy", allow_pickle=False)
        probabilities = np.load(work / "probabilities.npy", allow_pickle=False)
    return labels, probabilities
