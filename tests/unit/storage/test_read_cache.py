"""The database version moves on every commit that wrote (ORM objects or DML), not on reads;
cached read answers are dropped when it moves. Registered keys are remembered, and revocation
is honoured (at once in this process, after REVALIDATE_AFTER from another)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, update

from vecml_local.errors import Unauthorized
from vecml_local.services.readcache import ReadCache, cached_read
from vecml_local.services.tenants import KeyRegistry
from vecml_local.storage import Database, Project
from vecml_local.timefmt import now


def _db(tmp_path: Path) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'm.db'}")
    db.create_schema()
    return db


def test_version_moves_on_writes_only(tmp_path: Path) -> None:
    db = _db(tmp_path)
    start = db.version
    with db.session() as session:
        session.scalars(select(Project)).all()
    assert db.version == start
    with db.session() as session:
        session.add(Project(tenant="t", name="p", application="", created_at=now()))
    assert db.version == start + 1
    with db.session() as session:
        session.execute(update(Project).values(application="x"))
    assert db.version == start + 2


class _Service:
    def __init__(self, db: Database) -> None:
        self.context = type("Context", (), {"read_cache": ReadCache(db, enabled=True)})()
        self.db = db
        self.calls = 0

    @cached_read
    def list_projects(self, tenant: str) -> dict:
        self.calls += 1
        with self.db.session() as session:
            return {"projects": list(session.scalars(select(Project.name).where(Project.tenant == tenant)))}


def test_cached_answers_last_until_the_next_write(tmp_path: Path) -> None:
    db = _db(tmp_path)
    service = _Service(db)
    assert service.list_projects("t") == {"projects": []}
    assert service.list_projects("t") == {"projects": []} and service.calls == 1
    with db.session() as session:
        session.add(Project(tenant="t", name="p", application="", created_at=now()))
    assert service.list_projects("t") == {"projects": ["p"]} and service.calls == 2


def test_keys_are_remembered_and_revocation_is_honoured(tmp_path: Path) -> None:
    db = _db(tmp_path)
    server, cli = KeyRegistry(db, "keys"), KeyRegistry(db, "keys")
    key = cli.create("k").key
    tenant = server.authenticate(key)
    assert server.authenticate(key) == tenant
    assert cli.revoke(cli.list()[0].fingerprint)
    server.REVALIDATE_AFTER = 0.0  # what the clock does after 2 s
    with pytest.raises(Unauthorized):
        server.authenticate(key)
    other = server.create("k2").key
    server.REVALIDATE_AFTER = 3600.0
    server.authenticate(other)
    assert server.revoke(server.list()[1].fingerprint)
    with pytest.raises(Unauthorized):
        server.authenticate(other)
