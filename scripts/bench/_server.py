"""Bench helpers: start a real server process and watch its memory."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.support import ServerProcess, wait_for_job  # noqa: E402

__all__ = ["ServerProcess", "wait_for_job", "PeakRss"]


class PeakRss:
    """Sample a process's resident set size in the background; `.peak` in bytes."""

    def __init__(self, pid: int, interval: float = 0.01) -> None:
        self.process = psutil.Process(pid)
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def current(self) -> int:
        return self.process.memory_info().rss

    def __enter__(self) -> PeakRss:
        self.peak = self.current()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, self.current())
            except psutil.Error:
                return
            time.sleep(self.interval)
