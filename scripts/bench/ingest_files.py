"""File uploads end to end against the libraries' own parsers on the same bytes.

    .venv/bin/python scripts/bench/ingest_files.py [--csv-mb 100] [--libsvm-mb 100] [--repeats 3]

1. A ~100 MB CSV (64 float columns + 2 text columns) sent to `/upload_automl_X`
   of a real server process (free port, temporary data dir), timed from request
   sent to job finished, next to `pyarrow.csv.read_csv` on the same bytes here.
2. A ~100 MB libsvm file through `/upload_automl_X` (vector_type sparse) next to
   `sklearn.datasets.load_svmlight_file` on the same bytes.
3. An 8 GB gzip bomb (~8 MB sent): time to the 413 and the server's memory above
   idle, then one more request to show it still serves.

Throughput is file MB (10^6 bytes, before base64) per second. Goal (issue 3):
end to end at least half the library's throughput. Peak server RSS is sampled
every 10 ms with psutil. Library and server runs alternate, best of `--repeats`
each, so both see the same load on a shared machine.
"""

from __future__ import annotations

import argparse
import base64
import io
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import requests
from _server import PeakRss, ServerProcess, wait_for_job

KEY = "bench-key"


def make_csv(target_mb: float, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)

    def table(rows: int) -> pa.Table:
        columns = {f"f{i}": rng.standard_normal(rows).astype(np.float32) for i in range(64)}
        words = np.array(["alpha", "beta", "gamma", "delta", "epsilon"])
        columns["color"] = words[rng.integers(0, 5, rows)]
        columns["shape"] = words[rng.integers(0, 5, rows)]
        return pa.table(columns)

    def write(rows: int) -> bytes:
        sink = io.BytesIO()
        pacsv.write_csv(table(rows), sink)
        return sink.getvalue()

    sample = write(2000)
    rows = int(target_mb * 1e6 / (len(sample) / 2000))
    return write(rows)


def make_libsvm(target_mb: float, seed: int = 0, nnz: int = 20, dim: int = 2000) -> bytes:
    rng = np.random.default_rng(seed)
    per_row = 2 + nnz * 13  # rough bytes per line, refined below
    rows = int(target_mb * 1e6 / per_row)
    idx = np.sort(rng.integers(0, dim, (rows, nnz)), axis=1)
    idx = np.where(np.diff(idx, axis=1, prepend=-1) == 0, -1, idx)  # drop repeated indices
    vals = rng.standard_normal((rows, nnz)).round(5)
    keep = idx.ravel() >= 0
    tokens = pc.binary_join_element_wise(
        pc.cast(pa.array(idx.ravel()[keep]), pa.string()), pc.cast(pa.array(vals.ravel()[keep]), pa.string()), ":"
    )
    counts = (idx >= 0).sum(axis=1)
    offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int32)
    lines = pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), tokens), " ")
    labels = pc.cast(pa.array(rng.integers(0, 3, rows)), pa.string())
    full = pc.binary_join_element_wise(labels, lines, " ")
    return ("\n".join(full.to_pylist()) + "\n").encode()


def upload_seconds(server: ServerProcess, collection: str, data: bytes, **fields: object) -> float:
    body = orjson.dumps(
        {
            "user_api_key": KEY,
            "project_name": "bench",
            "collection_name": collection,
            "X": base64.b64encode(data).decode(),
            **fields,
        }
    )
    start = time.perf_counter()
    answer = requests.post(
        f"{server.base_url}/upload_automl_X", data=body, headers={"content-type": "application/json"}, timeout=900
    ).json()
    answered = time.perf_counter() - start
    assert answer.get("success"), answer
    status = wait_for_job(server.post, KEY, answer["job_id"], timeout=900)
    elapsed = time.perf_counter() - start
    assert status["status"] == "finished", status
    print(f"  {collection}: request answered after {answered:.2f} s, job finished after {elapsed:.2f} s")
    return elapsed


def best(function, repeats: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def bomb_payload() -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    member = compressor.compress(bytes(64 * 1024 * 1024)) + compressor.flush()
    return member * 128


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--csv-mb", type=float, default=100.0)
    parser.add_argument("--libsvm-mb", type=float, default=100.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from sklearn.datasets import load_svmlight_file

    csv_bytes = make_csv(args.csv_mb)
    svm_bytes = make_libsvm(args.libsvm_mb)
    csv_mb, svm_mb = len(csv_bytes) / 1e6, len(svm_bytes) / 1e6

    with tempfile.TemporaryDirectory() as data_dir:
        server = ServerProcess(Path(data_dir)).start()
        try:
            server.post("create_project", {"user_api_key": KEY, "project_name": "bench", "application": "x"})
            monitor = PeakRss(server.pid)
            idle = monitor.current()
            csv_lib = svm_lib = csv_e2e = svm_e2e = float("inf")
            # Library and server runs alternate, so both see the same machine load.
            with monitor:
                for i in range(args.repeats):
                    csv_lib = min(csv_lib, best(lambda: pacsv.read_csv(pa.py_buffer(csv_bytes)), 1))
                    csv_e2e = min(
                        csv_e2e,
                        upload_seconds(
                            server,
                            f"csv{i}",
                            csv_bytes,
                            file_format="csv",
                            has_field_names=True,
                            vector_type="dense",
                            categorical_features=["color"],
                        ),
                    )
            csv_peak = monitor.peak
            with PeakRss(server.pid) as svm_monitor:
                for i in range(args.repeats):
                    svm_lib = min(svm_lib, best(lambda: load_svmlight_file(io.BytesIO(svm_bytes)), 1))
                    svm_e2e = min(
                        svm_e2e,
                        upload_seconds(server, f"svm{i}", svm_bytes, file_format="libsvm", vector_type="sparse"),
                    )
            svm_peak = svm_monitor.peak

            bomb = base64.b64encode(bomb_payload()).decode()
            body = orjson.dumps(
                {
                    "user_api_key": KEY,
                    "project_name": "bench",
                    "collection_name": "bomb",
                    "X": bomb,
                    "file_format": "csv",
                    "has_field_names": True,
                    "compression_type": "gzip",
                }
            )
            before_bomb = monitor.current()
            with PeakRss(server.pid) as bomb_monitor:
                start = time.perf_counter()
                reply = requests.post(
                    f"{server.base_url}/upload_automl_X",
                    data=body,
                    headers={"content-type": "application/json"},
                    timeout=600,
                )
                bomb_seconds = time.perf_counter() - start
            still_serving = server.post(
                "create_project", {"user_api_key": KEY, "project_name": "after", "application": "x"}
            ).get("success")
        finally:
            server.stop()

    print(f"CSV {csv_mb:.1f} MB (64 float + 2 text columns); libsvm {svm_mb:.1f} MB; best of {args.repeats}")
    print("| measure | seconds | MB/s | ratio to library |")
    print("|---|---|---|---|")
    print(f"| CSV: pyarrow.csv.read_csv in-process | {csv_lib:.2f} | {csv_mb / csv_lib:.1f} | 1.00 |")
    print(f"| CSV: /upload_automl_X end to end | {csv_e2e:.2f} | {csv_mb / csv_e2e:.1f} | {csv_lib / csv_e2e:.2f} |")
    print(f"| libsvm: sklearn load_svmlight_file in-process | {svm_lib:.2f} | {svm_mb / svm_lib:.1f} | 1.00 |")
    print(f"| libsvm: /upload_automl_X end to end | {svm_e2e:.2f} | {svm_mb / svm_e2e:.1f} | {svm_lib / svm_e2e:.2f} |")
    print(
        f"server RSS idle {idle / 1e6:.0f} MB; peak during the CSV uploads {csv_peak / 1e6:.0f} MB, "
        f"during the libsvm uploads {svm_peak / 1e6:.0f} MB"
    )
    print(
        f"gzip bomb (8 GiB inflated, {len(bomb) / 1e6:.1f} MB base64 sent): HTTP {reply.status_code} in "
        f"{bomb_seconds:.2f} s, peak RSS {bomb_monitor.peak / 1e6:.0f} MB "
        f"(+{(bomb_monitor.peak - before_bomb) / 1e6:.0f} MB over the RSS before it); "
        f"message: {reply.json().get('error_message')!r}; server still serving: {still_serving}"
    )


if __name__ == "__main__":
    main()
