"""Job ids do not tell which key made them: their prefix is an HMAC under a per-install secret
kept in the metadata database (so replicas and workers sharing the database agree), and ids
made before (an unsalted hash of the key) keep working because ids are looked up, not rebuilt."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.database import configured_url, fresh_database_url
from tests.support import new_key
from vecml_local.app import create_app
from vecml_local.config import Settings
from vecml_local.storage import Database, Job


def _upload(client: TestClient, key: str) -> str:
    def ok(endpoint: str, **fields) -> dict:
        body = client.post(f"/api/{endpoint}", json={"user_api_key": key, **fields}).json()
        assert body["success"] is True, body
        return body

    ok("create_project", project_name="P")
    ok("init", project_name="P", collection_name="c", vector_type="dense", vector_dim=2)
    return ok("add_data_batch", project_name="P", collection_name="c", data=[[1, 2]])["job_id"]


def test_the_prefix_is_keyed_by_the_install_secret_and_old_ids_still_answer(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=fresh_database_url())
    key = new_key()
    tenant = hashlib.sha256(key.encode()).hexdigest()
    with TestClient(create_app(settings)) as client:
        job_id = _upload(client, key)
        db = Database(settings.resolved_database_url())
        try:
            secret = db.install_secret("job_ids")
            assert Database(settings.resolved_database_url()).install_secret("job_ids") == secret  # one per database
            prefix = job_id.split("||")[0]
            assert prefix != tenant[:12]  # the unsalted hash of the key is gone
            assert prefix == hmac.new(secret, tenant.encode(), hashlib.sha256).hexdigest()[:12]
            old_id = "||".join([tenant[:12], *job_id.split("||")[1:]])
            with db.session() as session:
                session.execute(update(Job).where(Job.job_id == job_id).values(job_id=old_id))
        finally:
            db.dispose()
        body = client.post("/api/get_upload_data_status", json={"user_api_key": key, "job_id": old_id}).json()
        assert body["success"] is True and body["status"] in ("pending", "in_progress", "finished"), body
        other = client.post("/api/get_upload_data_status", json={"user_api_key": new_key(), "job_id": old_id})
        assert other.status_code == 404  # still the owner's only


def test_another_install_gives_the_same_key_another_prefix(tmp_path) -> None:
    if configured_url() is not None:
        pytest.skip("one PostgreSQL test database: a second install needs a second database")
    key = new_key()
    prefixes = []
    for name in ("one", "two"):
        with TestClient(create_app(Settings(data_dir=tmp_path / name))) as client:
            prefixes.append(_upload(client, key).split("||")[0])
    assert prefixes[0] != prefixes[1]
