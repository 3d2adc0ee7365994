"""Who is calling: API keys (open or registered), tenants and the per-key rate limit."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..errors import RateLimited, Unauthorized
from ..storage import ApiKey, Database
from ..timefmt import now
from .context import Tenant

__all__ = ["KeyRegistry", "RateLimiter", "hash_key", "CreatedKey"]


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass
class CreatedKey:
    key: str
    fingerprint: str
    label: str
    created_at: datetime
    revoked_at: datetime | None = None


class KeyRegistry:
    def __init__(self, db: Database, mode: str) -> None:
        self.db = db
        self.mode = mode

    def authenticate(self, key: object) -> Tenant:
        if not isinstance(key, str) or not key.strip():
            raise Unauthorized("user_api_key is missing: put it in the JSON body or an Authorization: Bearer header")
        digest = hash_key(key)
        if self.mode == "keys":
            with self.db.session() as session:
                row = session.scalar(select(ApiKey).where(ApiKey.key_hash == digest))
                if row is None or row.revoked_at is not None:
                    raise Unauthorized("user_api_key is not a valid API key")
        return Tenant(digest)

    def create(self, label: str = "") -> CreatedKey:
        key = "vml_" + secrets.token_urlsafe(32)
        digest = hash_key(key)
        created = now()
        with self.db.session() as session:
            session.add(ApiKey(key_hash=digest, fingerprint=digest[:12], label=label, created_at=created))
        return CreatedKey(key=key, fingerprint=digest[:12], label=label, created_at=created)

    def list(self) -> list[CreatedKey]:
        with self.db.session() as session:
            rows = session.scalars(select(ApiKey).order_by(ApiKey.id)).all()
            return [CreatedKey("", row.fingerprint, row.label, row.created_at, row.revoked_at) for row in rows]

    def revoke(self, fingerprint: str) -> bool:
        with self.db.session() as session:
            rows = session.scalars(
                select(ApiKey).where(ApiKey.fingerprint == fingerprint, ApiKey.revoked_at.is_(None))
            ).all()
            for row in rows:
                row.revoked_at = now()
            return bool(rows)


class RateLimiter:
    """At most `per_second` requests per tenant in any one-second window (0 = off)."""

    def __init__(self, per_second: float) -> None:
        self.per_second = per_second
        self._windows: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def check(self, tenant: Tenant) -> None:
        if self.per_second <= 0:
            return
        second = int(time.monotonic())
        with self._lock:
            window, count = self._windows.get(tenant.id, (second, 0))
            if window != second:
                window, count = second, 0
            if count + 1 > self.per_second:
                raise RateLimited()
            self._windows[tenant.id] = (window, count + 1)
