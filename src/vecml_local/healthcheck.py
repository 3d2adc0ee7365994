"""`vecml-local healthcheck`: exit 0 when the local server answers `GET /ready` with 200.

Made for a container's HEALTHCHECK, which cannot know how the server was started: it
finds the running `vecml-local serve` process and probes the address that process
resolved from its own command line and environment (so `serve --port 9000` and
`-e VECML_LOCAL_PORT=9000` both stay healthy). Without such a process (outside a
container, or not allowed to read it) it uses its own settings; `--host`/`--port`
override either.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

__all__ = ["find_serve", "probe_url", "run"]

_PREFIX = "VECML_LOCAL_"
# A server bound to every interface is reached on loopback.
_ANY = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}


def _serve_args(argv: list[str]) -> list[str] | None:
    """The arguments after `serve` when argv runs `vecml-local serve` (script or `-m vecml_local`)."""
    for index, part in enumerate(argv):
        if Path(part).name == "vecml-local" or (part == "vecml_local" and argv[index - 1 : index] == ["-m"]):
            rest = argv[index + 1 :]
            return rest if rest[:1] == ["serve"] else None
    return None


def find_serve(proc: Path = Path("/proc")) -> tuple[list[str], dict[str, str] | None] | None:
    """(`serve ...` arguments, VECML_LOCAL_* environment or None when unreadable) of the first
    `vecml-local serve` process."""
    try:
        entries = sorted((entry for entry in proc.iterdir() if entry.name.isdigit()), key=lambda e: int(e.name))
    except OSError:
        return None
    for entry in entries:
        try:
            argv = [part.decode(errors="replace") for part in (entry / "cmdline").read_bytes().split(b"\0") if part]
        except OSError:
            continue
        args = _serve_args(argv)
        if args is None:
            continue
        try:
            raw = (entry / "environ").read_bytes()
        except OSError:
            return args, None  # someone else's process: its flags still tell the port
        environ = {}
        for item in raw.split(b"\0"):
            name, sep, value = item.decode(errors="replace").partition("=")
            if sep and name.startswith(_PREFIX):
                environ[name] = value
        return args, environ
    return None


def probe_url(serve_args: list[str], environ: dict[str, str] | None) -> str:
    """The /ready URL of a server started as `vecml-local <serve_args>` with `environ` (None: ours)."""
    from .cli import _parser, _settings

    args = _parser().parse_args(serve_args)
    saved = dict(os.environ)
    try:
        if environ is not None:
            for name in [name for name in os.environ if name.startswith(_PREFIX)]:
                del os.environ[name]
            os.environ.update(environ)
        settings = _settings(args)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    host = _ANY.get(settings.host, settings.host)
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.port}/ready"


def run(host: str | None = None, port: int | None = None, timeout: float = 4.0) -> int:
    found = find_serve()
    serve_args, environ = found if found else (["serve"], None)
    if host is not None:
        serve_args = [*serve_args, "--host", host]
    if port is not None:
        serve_args = [*serve_args, "--port", str(port)]
    url = probe_url(serve_args, environ)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            print(f"ready: {url}")
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"not ready: {url}: {exc}", file=sys.stderr)
        return 1
