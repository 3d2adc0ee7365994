"""Engine and session factory. SQLite (WAL) by default; any SQLAlchemy URL works."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, inspect, select
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from .causes import causes
from .tables import Base, InstallSecret

if TYPE_CHECKING:
    from sqlalchemy.engine.interfaces import DBAPIConnection
    from sqlalchemy.pool import ConnectionPoolEntry

__all__ = ["Database", "database_unavailable"]

# Drivers of a database server (not an embedded file): their OperationalError means the server
# could not be reached, went away or is shutting down.
_SERVER_DRIVERS = ("psycopg", "psycopg2", "asyncpg", "pg8000")


def database_unavailable(error: BaseException) -> bool:
    """True when `error` (or what caused it) says the database server cannot be reached or
    dropped the connection (PostgreSQL restarting): the same request may work again shortly.
    The pool's pre-ping replaces the dead connections once the server is back."""
    for current in causes(error):
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, OperationalError | InterfaceError):
            if type(current.orig).__module__.split(".")[0] in _SERVER_DRIVERS:
                return True
    return False


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            self.engine: Engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
            event.listen(self.engine, "connect", _sqlite_pragmas)
        else:
            # pre-ping: a connection the server dropped (a restart) is replaced, not used. A
            # connect timeout: a server that does not answer makes requests fail (503), not hang.
            connect_args = {"connect_timeout": 10} if url.startswith("postgresql") else {}
            self.engine = create_engine(
                url, pool_pre_ping=True, pool_size=10, max_overflow=20, pool_timeout=15, connect_args=connect_args
            )
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Bumped after every commit that wrote something: answers computed from the
        # database at one version stay valid while the version is unchanged (ReadCache).
        self.version = 0
        self._version_lock = threading.Lock()
        event.listen(self._sessions, "after_flush", _mark_written)
        event.listen(self._sessions, "do_orm_execute", _mark_dml)
        event.listen(self._sessions, "after_commit", self._after_commit)
        event.listen(self._sessions, "after_rollback", self._after_commit)

    def _after_commit(self, session: Session) -> None:
        if session.info.pop("wrote", False):
            with self._version_lock:
                self.version += 1

    def create_schema(self) -> None:
        Base.metadata.create_all(self.engine)
        self._add_new_columns()

    def _add_new_columns(self) -> None:
        """A data dir made by an older version lacks the nullable columns added since:
        add them (`create_all` only creates missing tables)."""
        inspector = inspect(self.engine)
        with self.engine.begin() as connection:
            for table in Base.metadata.sorted_tables:
                present = {column["name"] for column in inspector.get_columns(table.name)}
                for column in table.columns:
                    if column.name not in present and column.nullable:
                        kind = column.type.compile(dialect=self.engine.dialect)
                        connection.exec_driver_sql(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}')

    def install_secret(self, name: str) -> bytes:
        """The install's secret `name` (32 random bytes), made at first use. Two processes
        racing to make it both end up with the one that was committed first."""
        for _ in range(3):
            with self.session() as session:
                value = session.scalar(select(InstallSecret.value).where(InstallSecret.name == name))
            if value is not None:
                return bytes.fromhex(value)
            try:
                with self.session() as session:
                    session.add(InstallSecret(name=name, value=secrets.token_hex(32)))
            except IntegrityError:
                continue  # another process made it first: read theirs
        raise RuntimeError(f"could not create the install secret {name!r}")

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends normally, rolled back otherwise."""
        with self._sessions() as session:
            with session.begin():
                yield session

    def ping(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
            return True
        except Exception:
            return False

    def dispose(self) -> None:
        self.engine.dispose()


def _mark_written(session: Session, _context: object) -> None:
    session.info["wrote"] = True


def _mark_dml(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info["wrote"] = True


def _sqlite_pragmas(connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
