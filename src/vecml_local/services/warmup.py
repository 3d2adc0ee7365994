"""Fast first call: the numba kernels compiled ahead, into a persistent cache.

- `vecml-local warmup` (`run_warmup_command`) compiles every kernel into the cache:
  `$NUMBA_CACHE_DIR`, else the user cache dir (`~/.cache/vecml-local/numba`), else,
  when that is not writable, `<data_dir>/.numba-cache`. The Docker image runs it at
  build time with `NUMBA_CACHE_DIR` set to a directory of the image.
- At server start (`KernelWarmup.start`), a background thread checks the cache; when
  it is cold it runs `vecml-local warmup` in a child process (compiling holds the GIL
  for seconds at a time: the server keeps answering), then loads the kernels into
  the server process from the now warm cache, so the first clustering job finds
  them ready. `VECML_LOCAL_WARMUP=off` skips it. `state` is shown by `/_local/info`.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

__all__ = ["KernelWarmup", "run_warmup_command", "fallback_cache_dir"]

log = logging.getLogger("vecml_local")
_ONE_AT_A_TIME = threading.Lock()  # several apps in one process (tests) share one warm-up


def fallback_cache_dir(data_dir: Path) -> Path:
    return Path(data_dir) / ".numba-cache"


def run_warmup_command(data_dir: Path) -> int:
    """`vecml-local warmup`: compile every kernel into the persistent cache."""
    from ..ml.clustering.warmup import warm_up

    seconds = warm_up(fallback_cache_dir(data_dir))
    print(f"numba kernels compiled into {os.environ.get('NUMBA_CACHE_DIR')} in {seconds:.1f} s", flush=True)
    return 0


class KernelWarmup:
    """The background warm-up of one server."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.state = "off" if os.environ.get("VECML_LOCAL_WARMUP", "").lower() in ("off", "0", "false") else "pending"
        self.seconds: float | None = None
        self._child: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()

    def start(self) -> None:
        if self.state == "pending":
            threading.Thread(target=self._run, name="vecml-warmup", daemon=True).start()

    def stop(self) -> None:
        self._stopping.set()
        child = self._child
        if child is not None and child.poll() is None:
            child.terminate()

    def info(self) -> dict[str, Any]:
        return {"state": self.state, "seconds": self.seconds, "cache_dir": os.environ.get("NUMBA_CACHE_DIR")}

    def _run(self) -> None:
        started = time.perf_counter()
        try:
            with _ONE_AT_A_TIME:
                from ..ml.clustering.warmup import cache_is_warm, warm_up

                fallback = fallback_cache_dir(self.data_dir)
                if not cache_is_warm(fallback):
                    self.state = "compiling"
                    self._compile_in_child()
                if self._stopping.is_set():
                    return
                self.state = "loading"
                warm_up(fallback)  # from the cache: a second or two, and the kernels are in this process
            self.state, self.seconds = "ready", round(time.perf_counter() - started, 2)
            log.info("numba kernels ready in %.1f s", self.seconds)
        except Exception:  # the server works without it: the first job compiles what it needs
            self.state = "failed"
            log.exception("numba warm-up failed")

    def _compile_in_child(self) -> None:
        command = [sys.executable, "-m", "vecml_local", "warmup", "--data-dir", str(self.data_dir)]
        self._child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, err = self._child.communicate()
        if self._child.returncode != 0 and not self._stopping.is_set():
            raise RuntimeError(f"vecml-local warmup exited {self._child.returncode}: {err.decode()[-500:]}")
