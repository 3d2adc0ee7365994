"""`vecml-local serve | keys create|list|revoke | healthcheck | warmup | print-config | backup | restore`."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Any

from .backup_cli import add_backup_commands
from .services.shutdown import exit_now_if_jobs_linger

__all__ = ["main"]

log = logging.getLogger("vecml_local")


def _settings(args: argparse.Namespace) -> Any:
    from .config import Settings

    overrides = {
        name: getattr(args, name)
        for name in ("host", "port", "data_dir", "workers", "database_url", "log_format", "log_level")
        if getattr(args, name, None) is not None
    }
    return Settings(**overrides)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from . import __version__
    from .app import create_app
    from .logs import configure_logging, log_event
    from .services.local import public_settings
    from .storage.datadir_lock import DataDirLocked, acquire_data_dir

    settings = _settings(args)
    configure_logging(settings.log_level, settings.log_format)
    try:
        lock = acquire_data_dir(settings.data_dir, shared=not settings.resolved_database_url().startswith("sqlite"))
    except DataDirLocked as error:
        log.critical("%s", error)
        print(f"vecml-local: {error}", file=sys.stderr, flush=True)
        return 1
    shown = public_settings(settings)
    log_event(log, logging.INFO, "starting vecml-local " + __version__, pid=os.getpid(), **shown)
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=False,
        log_config=None,  # configure_logging did it: one format for uvicorn's lines and ours
        timeout_graceful_shutdown=settings.stop_grace_seconds,
    )
    server = uvicorn.Server(config)

    original_startup = server.startup

    async def startup(sockets: Any = None) -> None:
        await original_startup(sockets=sockets)
        if server.started:
            host, port = server.servers[0].sockets[0].getsockname()[:2]
            services = getattr(app.state, "services", None)
            if services is not None and services.context.runner.replicas is not None:
                services.context.runner.replicas.port = port  # the next heartbeat records it
            # One write: log lines go to the same terminal or pipe from another thread.
            sys.stdout.write(f"Ready. API at http://{host}:{port}/api\n")
            sys.stdout.flush()

    server.startup = startup  # type: ignore[method-assign]  # wraps uvicorn's own, to print the address
    try:
        server.run()
    finally:
        lock.release()
    exit_now_if_jobs_linger(config.app, settings.stop_grace_seconds)  # bounded stop (services/shutdown.py)
    return 0 if server.started else 3


def _keys(args: argparse.Namespace) -> int:
    from .config import Settings
    from .services.tenants import KeyRegistry
    from .storage import Database

    settings = _settings(args)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.resolved_database_url())
    db.create_schema()
    registry = KeyRegistry(db, "keys")
    if args.keys_command == "create":
        created = registry.create(args.label or "")
        print(created.key)
        print(f"fingerprint {created.fingerprint} — this key is shown once; store it now.", file=sys.stderr)
    elif args.keys_command == "list":
        for key in registry.list():
            state = f"revoked {key.revoked_at:%Y/%m/%d %H:%M:%S}" if key.revoked_at else "active"
            print(f"{key.fingerprint}\t{key.created_at:%Y/%m/%d %H:%M:%S}\t{state}\t{key.label}")
    elif args.keys_command == "revoke":
        if not registry.revoke(args.fingerprint):
            print(f"no active key with fingerprint {args.fingerprint}", file=sys.stderr)
            return 1
        print(f"revoked {args.fingerprint}")
    del Settings
    return 0


def _warmup(args: argparse.Namespace) -> int:
    from .services.warmup import run_warmup_command

    return run_warmup_command(_settings(args).data_dir)


def _print_config(args: argparse.Namespace) -> int:
    from .services.local import public_settings  # passwords and tokens masked

    for name, value in public_settings(_settings(args)).items():
        print(f"VECML_LOCAL_{name.upper()}={value}")
    return 0


def _healthcheck(args: argparse.Namespace) -> int:
    from .healthcheck import run

    return run(host=args.host, port=args.port, timeout=args.timeout)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vecml-local", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--data-dir", dest="data_dir", default=None, help="data directory")
        sub.add_argument("--database-url", dest="database_url", default=None, help="SQLAlchemy URL")

    serve = commands.add_parser("serve", help="run the server")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument("--workers", type=int, default=None, help="job runner threads")
    serve.add_argument("--log-format", dest="log_format", choices=("text", "json"), default=None)
    serve.add_argument(
        "--log-level", dest="log_level", choices=("critical", "error", "warning", "info", "debug"), default=None
    )
    common(serve)
    serve.set_defaults(handler=_serve)

    keys = commands.add_parser("keys", help="manage API keys for VECML_LOCAL_AUTH=keys")
    key_commands = keys.add_subparsers(dest="keys_command", required=True)
    create = key_commands.add_parser("create", help="create a key and print it once")
    create.add_argument("--label", default="")
    common(create)
    listing = key_commands.add_parser("list", help="list keys (fingerprints only)")
    common(listing)
    revoke = key_commands.add_parser("revoke", help="revoke a key by fingerprint")
    revoke.add_argument("fingerprint")
    common(revoke)
    keys.set_defaults(handler=_keys)

    check = commands.add_parser("healthcheck", help="exit 0 when the running server answers GET /ready")
    check.add_argument("--host", default=None, help="default: what the running `serve` was given")
    check.add_argument("--port", type=int, default=None, help="default: what the running `serve` was given")
    check.add_argument("--timeout", type=float, default=4.0)
    check.set_defaults(handler=_healthcheck)

    warmup = commands.add_parser("warmup", help="compile the numba kernels ahead into the persistent cache")
    common(warmup)
    warmup.set_defaults(handler=_warmup)

    config = commands.add_parser("print-config", help="print the settings in force")
    common(config)
    config.set_defaults(handler=_print_config)
    add_backup_commands(commands, common, _settings)  # backup DEST, restore SRC (backup_cli.py)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    raise SystemExit(main())
