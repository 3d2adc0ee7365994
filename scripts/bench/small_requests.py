"""Small requests: our status and info endpoints against a plain FastAPI + uvloop handler.

    .venv/bin/python scripts/bench/small_requests.py [--seconds 2] [--connections 16] [--rounds 5]

Both servers run as separate processes on this machine, one worker each. For every
endpoint the same JSON body is sent to our server and to the baseline (a FastAPI route
that reads the body, parses it with orjson and returns a constant), with `wrk` when it is
installed (else a bounded asyncio load generator in this process).

Built for a shared machine, where a neighbour's burst moves requests/s by 2-3x:
- short runs in alternating pairs (baseline then ours, ours then baseline in the next
  round), and the figure is the median over rounds of each pair's ratio ours / baseline;
- `--pin` (off by default): both servers (every thread) on one core, the load generator
  and this script on another. On the shared 2-core host this was tried on, pinning cut
  the baseline's requests/s 2-3x (it got a quarter of its core, ours more than half)
  while its CPU per request did not move: it distorts more than it isolates;
- `--together`: both servers loaded at the same moment, one `wrk -t1 -c16` each, so the
  same neighbours hit both in every pair; sharing the CPU between them, each gets about
  the same share, and the ratio follows CPU per request;
- each server's CPU time per request is shown too ("cpu ratio" = baseline / ours): it
  hardly depends on the neighbours.
Our server runs with its default settings (a log line per request, metrics), measured
after its background numba warm-up is over. The goal (issue 12) is a ratio >= 0.8.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _server import ServerProcess, wait_for_job  # noqa: E402

BASELINE_APP = textwrap.dedent(
    """
    import orjson
    from fastapi import FastAPI, Request
    from fastapi.responses import Response

    app = FastAPI()

    @app.post("/api/{name}")
    async def handler(name: str, request: Request) -> Response:
        orjson.loads(await request.body())
        return Response(b'{"success":true,"status":"finished"}', media_type="application/json")
    """
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_baseline(directory: Path) -> tuple[subprocess.Popen[bytes], str]:
    (directory / "baseline_app.py").write_text(BASELINE_APP)
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "baseline_app:app", "--port", str(port), "--loop", "uvloop"]
    command += ["--http", "httptools", "--log-level", "warning", "--no-access-log"]
    process = subprocess.Popen(command, cwd=directory)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return process, f"http://127.0.0.1:{port}/api"
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("baseline server did not start")


def populate(server: ServerProcess, key: str) -> dict[str, dict[str, object]]:
    """One project and collection, a finished upload, AutoML and k-means job; the bodies to send."""
    where = {"user_api_key": key, "project_name": "bench", "collection_name": "c"}
    server.post("create_project", {"user_api_key": key, "project_name": "bench", "application": "bench"})
    server.post("init", {**where, "vector_type": "dense", "vector_dim": 8})
    X = np.random.default_rng(0).normal(size=(300, 8))
    attrs = [{"label": "a" if row[0] > 0 else "b"} for row in X]
    ids = [str(i) for i in range(len(X))]
    upload = server.post("add_data_batch", {**where, "data": X.tolist(), "string_ids": ids, "attributes": attrs})
    assert "job_id" in upload, upload
    wait_for_job(server.post, key, upload["job_id"])
    automl = server.post(
        "train_automl_model",
        {**where, "model_name": "m", "training_mode": "linear_model", "task_type": "classification"}
        | {"label_attribute": "label"},
    )
    wait_for_job(server.post, key, automl["job_id"], "get_automl_training_status", timeout=300)
    kmeans = server.post("train_kmeans", {**where, "cluster_model_name": "k", "n_clusters": 3, "n_init": 1})
    wait_for_job(server.post, key, kmeans["job_id"], "get_clustering_training_status", timeout=600)
    return {
        "get_upload_data_status": {"user_api_key": key, "job_id": upload["job_id"]},
        "get_automl_training_status": {"user_api_key": key, "job_id": automl["job_id"]},
        "get_clustering_training_status": {"user_api_key": key, "job_id": kmeans["job_id"]},
        "get_collection_info": where,
        "list_projects": {"user_api_key": key},
        "list_collections": {"user_api_key": key, "project_name": "bench"},
        "list_automl_model_infos": where,
        "list_clustering_model_infos": where,
    }


def start_wrk(
    url: str, body: bytes, seconds: float, connections: int, directory: Path, cpus: list[int], threads: int = 2
) -> subprocess.Popen[str]:
    script = directory / f"post-{os.urandom(4).hex()}.lua"
    script.write_text(
        f'wrk.method = "POST"\nwrk.body = [[{body.decode()}]]\nwrk.headers["Content-Type"] = "application/json"\n'
    )
    pin = ["taskset", "-c", ",".join(map(str, cpus))] if cpus and shutil.which("taskset") else []
    command = [*pin, "wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "-s", str(script), url]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish_wrk(process: subprocess.Popen[str], url: str, seconds: float) -> float:
    out, err = process.communicate(timeout=seconds + 60)
    if process.returncode != 0:
        raise RuntimeError(f"wrk failed: {err}{out}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non_2xx:
        raise RuntimeError(f"{url} answered {non_2xx.group(1)} errors:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]


def run_wrk(url: str, body: bytes, seconds: float, connections: int, directory: Path, cpus: list[int]) -> float:
    threads = max(1, len(cpus)) if cpus else 2
    return finish_wrk(start_wrk(url, body, seconds, connections, directory, cpus, threads), url, seconds)


def measure_together(
    targets: list[tuple[str, int]], body: bytes, args: argparse.Namespace, directory: Path
) -> list[tuple[float, float]]:
    """Both servers loaded at the same time, one `wrk -t1` each: the same neighbours for both."""
    processes = [psutil.Process(pid) for _, pid in targets]
    before = [sum(process.cpu_times()[:2]) for process in processes]
    running = [start_wrk(url, body, args.seconds, args.connections, directory, [], threads=1) for url, _ in targets]
    rates = [finish_wrk(wrk, url, args.seconds) for wrk, (url, _) in zip(running, targets, strict=True)]
    answers = []
    for rps, process, start in zip(rates, processes, before, strict=True):
        cpu = sum(process.cpu_times()[:2]) - start
        answers.append((rps, cpu / max(1.0, rps * args.seconds) * 1e6))
    return answers


async def _python_load(url: str, body: bytes, seconds: float, connections: int) -> tuple[float, float]:
    """Keep-alive HTTP/1.1 clients on raw sockets (used only when wrk is missing)."""
    host_port = url.split("//", 1)[1].split("/", 1)[0]
    host, port = host_port.split(":")
    path = "/" + url.split("//", 1)[1].split("/", 1)[1]
    request = (
        f"POST {path} HTTP/1.1\r\nHost: {host_port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    latencies: list[float] = []
    deadline = time.monotonic() + seconds

    async def client() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        while time.monotonic() < deadline:
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(head.decode(errors="replace"))
            length = int(re.search(rb"content-length: (\d+)", head.lower()).group(1))  # type: ignore[union-attr]
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
        writer.close()

    began = time.monotonic()
    await asyncio.gather(*(client() for _ in range(connections)))
    return len(latencies) / (time.monotonic() - began), statistics.median(latencies) * 1e3


def pin(pid: int, cpus: list[int]) -> None:
    """Every thread of process `pid` onto `cpus` (threads started later inherit it)."""
    for thread in psutil.Process(pid).threads():
        try:
            os.sched_setaffinity(thread.id, cpus)
        except OSError:  # the thread ended meanwhile
            pass


def measure(url: str, body: bytes, args: argparse.Namespace, directory: Path, pid: int) -> tuple[float, float]:
    """(requests/s, server CPU microseconds per request): the second hardly depends on how
    busy the rest of the machine is, the first does."""
    process = psutil.Process(pid)
    if args.server_cpus:
        pin(pid, args.server_cpus)
    before = sum(process.cpu_times()[:2])
    if shutil.which("wrk"):
        rps = run_wrk(url, body, args.seconds, args.connections, directory, args.load_cpus)
    else:
        rps = asyncio.run(_python_load(url, body, args.seconds, args.connections))[0]
    cpu = sum(process.cpu_times()[:2]) - before
    return rps, cpu / max(1.0, rps * args.seconds) * 1e6


def wait_for_warmup(server: ServerProcess, timeout: float = 600.0) -> str:
    """The server compiles or loads its numba kernels in the background after a cold start:
    measured meanwhile, its CPU would count that work."""
    import httpx

    deadline = time.monotonic() + timeout
    while True:
        state = httpx.get(server.base_url.removesuffix("/api") + "/ready", timeout=30).json().get("kernels", "")
        if state not in ("pending", "compiling", "loading") or time.monotonic() > deadline:
            return str(state)
        time.sleep(0.5)  # polling the warm-up state


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pin", action="store_true", help="servers on one core, the load generator on another")
    parser.add_argument("--together", action="store_true", help="load both servers at the same time (needs wrk)")
    parser.add_argument("--only", nargs="*", help="endpoint names to run (default: all)")
    args = parser.parse_args()
    import orjson

    cpus = sorted(os.sched_getaffinity(0))
    pinned = args.pin and len(cpus) >= 2 and not args.together
    args.together = args.together and bool(shutil.which("wrk"))
    args.server_cpus, args.load_cpus = (cpus[:1], cpus[1:]) if pinned else ([], [])
    if pinned:
        pin(os.getpid(), args.load_cpus)
    directory = Path(tempfile.mkdtemp(prefix="vecml-bench-small-"))
    server = ServerProcess(directory / "data").start()  # default settings: a log line per request
    baseline, baseline_url = start_baseline(directory)
    try:
        bodies = populate(server, "bench-key-" + os.urandom(4).hex())
        kernels = wait_for_warmup(server)
        tool = "wrk" if shutil.which("wrk") else "python asyncio load generator"
        print(f"# {tool}, {args.connections} connections, {args.seconds:g} s per run, {args.rounds} rounds")
        if args.together:
            print("# both servers loaded at the same time (one wrk -t1 each), sharing the machine")
        where = f"servers on cpu {args.server_cpus}, load generator on {args.load_cpus}" if pinned else "not pinned"
        print(f"# cpus: {os.cpu_count()} ({where}); numba kernels: {kernels}")
        print(f"# load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
        print(
            f"{'endpoint':32} {'ours req/s':>10} {'cpu us':>7} {'base req/s':>10} {'cpu us':>7} "
            f"{'ratio':>6} {'min..max':>10} {'cpu ratio':>9}"
        )
        warm = argparse.Namespace(**{**vars(args), "seconds": 1.0})
        for endpoint, body in bodies.items():  # one unmeasured second each (caches, allocator, threads)
            measure(f"{server.base_url}/{endpoint}", orjson.dumps(body), warm, directory, server.pid)
        worst = float("inf")
        for endpoint, body in bodies.items():
            if args.only and endpoint not in args.only:
                continue
            raw = orjson.dumps(body)
            ours, base = [], []
            for round_ in range(args.rounds):  # pairs in alternating order: a slow second hits both sides
                pair = [(base, baseline_url, baseline.pid), (ours, server.base_url, server.pid)]
                if args.together:
                    targets = [(f"{url}/{endpoint}", pid) for _, url, pid in pair]
                    for (runs, _, _), run in zip(pair, measure_together(targets, raw, args, directory), strict=True):
                        runs.append(run)
                    continue
                for runs, url, pid in pair if round_ % 2 == 0 else pair[::-1]:
                    runs.append(measure(f"{url}/{endpoint}", raw, args, directory, pid))
            ratios = [o[0] / b[0] for o, b in zip(ours, base, strict=True)]
            ratio = statistics.median(ratios)
            o = [statistics.median(run[i] for run in ours) for i in range(2)]
            b = [statistics.median(run[i] for run in base) for i in range(2)]
            worst = min(worst, ratio)
            print(
                f"{endpoint:32} {o[0]:10.0f} {o[1]:7.0f} {b[0]:10.0f} {b[1]:7.0f} {ratio:6.2f} "
                f"{min(ratios):4.2f}..{max(ratios):4.2f} {b[1] / o[1]:9.2f}",
                flush=True,
            )
        print(f"# worst ratio {worst:.2f} (goal >= 0.8)")
        print(f"# load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    finally:
        baseline.terminate()
        baseline.wait(timeout=10)
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
