"""The metadata database the in-process API tests and the storage/jobs tests use.

Unset `VECML_LOCAL_TEST_DATABASE_URL`: each app gets the default SQLite file in its
data dir. Set (e.g. `postgresql+psycopg://vecml@/vecml_test?host=/tmp/pg&port=5433`,
as `.ci/run` does): each app gets that database, emptied first, so every test module
starts from nothing just as with SQLite.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import create_engine, text

from vecml_local.storage import Database

__all__ = ["ENV", "configured_url", "fresh_database_url", "make_test_database", "postgres_unavailable"]

ENV = "VECML_LOCAL_TEST_DATABASE_URL"


def configured_url() -> str | None:
    return os.environ.get(ENV) or None


def fresh_database_url() -> str | None:
    """The test database URL with every table dropped, or None for the SQLite default."""
    url = configured_url()
    if url is None:
        return None
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
            else:
                from vecml_local.storage.tables import Base

                Base.metadata.drop_all(connection)
    finally:
        engine.dispose()
    return url


def make_test_database(sqlite_path: Path) -> Database:
    """A `Database` with its schema: the configured test database (emptied), else SQLite at `sqlite_path`."""
    db = Database(fresh_database_url() or f"sqlite:///{sqlite_path}")
    db.create_schema()
    return db


def postgres_unavailable() -> str | None:
    """Why the PostgreSQL-only tests cannot run here, or None when the test database is a reachable PostgreSQL."""
    url = configured_url()
    if url is None:
        return f"no PostgreSQL server: set {ENV}=postgresql+psycopg://... (.ci/run starts one)"
    if not url.startswith("postgresql"):
        return f"{ENV} is not a PostgreSQL URL"
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except Exception as error:  # noqa: BLE001 - any failure means "not available here"
        return f"PostgreSQL at {ENV} is not reachable: {type(error).__name__}"
    finally:
        engine.dispose()
    return None
