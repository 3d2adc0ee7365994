"""Long clustering work stops within 2 s of `should_stop()` turning true, and reports progress."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from vecml_local.ml import Cancelled
from vecml_local.ml.clustering.dbscan import fit_dbscan
from vecml_local.ml.clustering.kmeans import fit_kmeans
from vecml_local.ml.clustering.tsne import tsne_embed


def _stop_after_first_report(run: Callable[..., Any]) -> tuple[float, list[float]]:
    """Run `run(should_stop=..., progress=...)` in a thread, ask it to stop once it has
    reported progress; return (seconds from the request to the end, fractions reported)."""
    reported, stop, outcome = threading.Event(), threading.Event(), {}
    fractions: list[float] = []

    def progress(fraction: float, message: str) -> None:
        assert isinstance(message, str) and message
        fractions.append(fraction)
        reported.set()

    def target() -> None:
        try:
            run(should_stop=stop.is_set, progress=progress)
            outcome["result"] = "finished"
        except Cancelled:
            outcome["result"] = "cancelled"
        outcome["ended"] = time.monotonic()

    worker = threading.Thread(target=target)
    worker.start()
    assert reported.wait(timeout=300), "no progress was reported"
    asked = time.monotonic()
    stop.set()
    worker.join(timeout=60)
    assert not worker.is_alive()
    assert outcome["result"] == "cancelled"
    return outcome["ended"] - asked, fractions


@pytest.mark.slow
@pytest.mark.parametrize("method", ["kmeans", "kmeans_hamerly"])
def test_kmeans_stops_within_two_seconds(method) -> None:
    X = np.random.default_rng(0).random((200_000, 16), dtype=np.float32)  # no clusters: many iterations
    fit_kmeans(X[:500], n_clusters=4, method=method)  # compiled before timing

    def run(**hooks: Any) -> None:
        fit_kmeans(
            X,
            n_clusters=64,
            method=method,
            n_init=20,
            max_train_samples=len(X),
            max_iterations=1000,
            tolerance=0.0,
            num_threads=2,
            **hooks,
        )

    seconds, fractions = _stop_after_first_report(run)
    assert seconds < 2.0
    assert fractions == sorted(fractions) and all(0 <= f <= 1 for f in fractions)


@pytest.mark.slow
@pytest.mark.parametrize("mask_bits", [None, 2_000_000])  # one self-join mask / query row blocks
def test_dbscan_blas_tiles_stop_within_two_seconds(mask_bits) -> None:
    X = np.random.default_rng(1).random((20_000, 48), dtype=np.float32)
    fit_dbscan(X[:300], eps=1.5, min_samples=5, mask_bits=mask_bits and 8 * 300)  # compiled before timing

    def run(**hooks: Any) -> None:
        fit_dbscan(X, eps=1.5, min_samples=5, num_threads=2, mask_bits=mask_bits, **hooks)

    seconds, fractions = _stop_after_first_report(run)
    assert seconds < 2.0
    assert fractions == sorted(fractions)


@pytest.mark.slow
def test_tsne_stops_within_two_seconds() -> None:
    X = np.random.default_rng(2).normal(size=(3000, 10)).astype(np.float32)

    def run(**hooks: Any) -> None:
        tsne_embed(X, max_samples=3000, max_iter=5000, num_threads=2, **hooks)

    seconds, _ = _stop_after_first_report(run)
    assert seconds < 2.0


def test_progress_reaches_the_end_and_nothing_stops_without_a_request() -> None:
    X = np.random.default_rng(3).random((3000, 4), dtype=np.float32)
    fractions: list[float] = []
    fit_kmeans(
        X, n_clusters=5, max_train_samples=1000, should_stop=lambda: False, progress=lambda f, m: fractions.append(f)
    )
    assert fractions and fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)
    with pytest.raises(Cancelled):
        fit_dbscan(X, eps=0.1, min_samples=4, should_stop=lambda: True)
