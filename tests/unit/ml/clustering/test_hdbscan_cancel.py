"""HDBSCAN is one library call: with a `should_stop`, a large fit runs in a child process
that a cancel kills (tests/e2e/test_cancel_clustering_e2e.py checks the CPU through HTTP)."""

from __future__ import annotations

import time

import numpy as np
import psutil
import pytest
from sklearn.datasets import make_blobs

from vecml_local.ml import Cancelled
from vecml_local.ml.clustering import hdbscan as hdbscan_module
from vecml_local.ml.clustering.hdbscan import fit_hdbscan


def _children() -> list[psutil.Process]:
    return [p for p in psutil.Process().children(recursive=True) if "_hdbscan_child" in " ".join(p.cmdline())]


def test_the_child_process_gives_the_same_clusters(monkeypatch: pytest.MonkeyPatch) -> None:
    X, _ = make_blobs(400, 4, centers=3, cluster_std=0.6, random_state=2)
    here = fit_hdbscan(X, min_cluster_size=20)
    monkeypatch.setattr(hdbscan_module, "IN_PROCESS_WORK", 0)
    reported: list[tuple[float, str]] = []
    there = fit_hdbscan(
        X, min_cluster_size=20, should_stop=lambda: False, progress=lambda f, m: reported.append((f, m))
    )
    assert np.array_equal(here.labels, there.labels) and np.allclose(here.probabilities, there.probabilities)
    assert reported[0][0] == 0.0 and "400 vectors" in reported[0][1] and reported[-1][0] == 1.0
    assert not _children()


@pytest.mark.slow
def test_a_cancel_kills_the_fit_at_once() -> None:
    X = np.random.default_rng(0).random((20_000, 16)).round(3)  # a fit of ~10 s or more
    calls = 0

    def should_stop() -> bool:
        nonlocal calls
        calls += 1
        return calls > 10  # about a second after the child started

    started = time.monotonic()
    with pytest.raises(Cancelled):
        fit_hdbscan(X, min_cluster_size=5, should_stop=should_stop)
    assert time.monotonic() - started < 5
    assert not _children(), "the HDBSCAN child (or a worker of it) outlived the cancel"
