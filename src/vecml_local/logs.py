"""Logging: one line per request, one per job state change, startup settings; text or JSON.

`configure_logging(level, fmt)` is called once by `vecml-local serve`; the testing kit
leaves the host program's logging alone. Structured fields travel in `extra={"fields": {...}}`:
the text format appends them as `name=value`, the JSON format merges them into the object.
Never log a key: requests carry the key's fingerprint (first 12 hex digits of its SHA-256).
"""

from __future__ import annotations

import atexit
import copy
import logging
import logging.handlers
import queue
import sys
import threading
from datetime import datetime, timezone
from typing import Any

import orjson

__all__ = ["configure_logging", "log_event", "LOG_FORMATS"]

LOG_FORMATS = ("text", "json")


def log_event(logger: logging.Logger, level: int, message: str, **fields: Any) -> None:
    """`message` plus named fields, rendered by whichever format is configured."""
    if logger.isEnabledFor(level):
        logger.log(level, message, extra={"fields": fields})


def _timestamp(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(record.msecs):03d}Z"


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage().replace("\r", "\\r").replace("\n", "\\n")  # one record, one line
        line = f"{_timestamp(record)} {record.levelname:<7} {record.name}: {message}"
        fields = getattr(record, "fields", None)
        if fields:
            line += " " + " ".join(f"{name}={_text(value)}" for name, value in fields.items())
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def _text(value: Any) -> str:
    text = "-" if value is None else str(value)
    return repr(text) if (" " in text or not text or not text.isprintable()) else text


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": _timestamp(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


class _Enqueue(logging.handlers.QueueHandler):
    """Hands records to the writer thread as they are (fields and traceback kept for the formatter)."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        record = copy.copy(record)
        record.msg, record.args = record.getMessage(), None
        return record


class _Writer:
    """Formats the queued records and writes them from one thread, all that are waiting in one
    write and one flush: under load a write carries many lines, not one each."""

    def __init__(self, records: queue.SimpleQueue[logging.LogRecord | None], formatter: logging.Formatter) -> None:
        self.records = records
        self.formatter = formatter
        self.stream = sys.stderr
        self._thread = threading.Thread(target=self._run, name="vecml-log-writer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Write what is queued, then end the thread."""
        if self._thread.is_alive():
            self.records.put(None)
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            batch = [self.records.get()]
            while True:
                try:
                    batch.append(self.records.get_nowait())
                except queue.Empty:
                    break
            lines = [self._format(record) for record in batch if record is not None]
            if lines:
                try:
                    self.stream.write("\n".join(lines) + "\n")
                    self.stream.flush()
                except (OSError, ValueError):  # stderr closed or gone: nothing to write to
                    pass
            if any(record is None for record in batch):
                return

    def _format(self, record: logging.LogRecord) -> str:
        try:
            return self.formatter.format(record)
        except Exception as error:  # a record that cannot be formatted must not end the writer
            return f"(log record could not be formatted: {type(error).__name__}: {error}) {record.msg!r}"


_listener: _Writer | None = None


def configure_logging(level: str = "info", fmt: str = "text") -> None:
    """Everything (ours, uvicorn's) goes to stderr, one line per record (JSON: one object).
    Lines are formatted and written by a background thread: a request never waits for the
    terminal or the pipe its log goes to."""
    global _listener
    # What no line of ours shows is not collected per record (the logging HOWTO's "Optimization").
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    logging._srcfile = None  # no caller lookup (file/line are not shown)
    if fmt not in LOG_FORMATS:
        raise ValueError(f"log format must be one of {', '.join(LOG_FORMATS)}")
    if _listener is not None:
        _listener.stop()
    records: queue.SimpleQueue[logging.LogRecord | None] = queue.SimpleQueue()
    _listener = _Writer(records, JsonFormatter() if fmt == "json" else TextFormatter())
    _listener.start()
    atexit.register(_listener.stop)  # the last lines are written before the process exits
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(_Enqueue(records))
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # our own request line replaces it
