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
    """Registered keys are looked up once and remembered for REVALIDATE_AFTER seconds, so a
    request costs no database query; a key revoked by `vecml-local keys revoke` (another
    process) is refused within that time, one revoked here at once."""

    REVALIDATE_AFTER = 2.0
    CAPACITY = 10_000

    def __init__(self, db: Database, mode: str) -> None:
        self.db = db
        self.mode = mode
        self._known: dict[str, tuple[Tenant, float]] = {}  # key -> (tenant, checked at)
        self._lock = threading.Lock()

    def remembered(self, key: object) -> Tenant | None:
        """The key's tenant if it was checked recently (never blocks); else None."""
        known = self._known.get(key) if isinstance(key, str) else None
        if known is not None and (self.mode != "keys" or time.monotonic() - known[1] < self.REVALIDATE_AFTER):
            return known[0]
        return None

    def authenticate(self, key: object) -> Tenant:
        if not isinstance(key, str) or not key.strip():
            raise Unauthorized("user_api_key is missing: put it in the JSON body or an Authorization: Bearer header")
        remembered = self.remembered(key)
        if remembered is not None:
            return remembered
        digest = hash_key(key)
        if self.mode == "keys":
            with self.db.session() as session:
                row = session.scalar(select(ApiKey).where(ApiKey.key_hash == digest))
                if row is None or row.revoked_at is not None:
                    with self._lock:
                        self._known.pop(key, None)
                    raise Unauthorized("user_api_key is not a valid API key")
        tenant = Tenant(digest)
        with self._lock:
            if len(self._known) >= self.CAPACITY:
                self._known.clear()
            self._known[key] = (tenant, time.monotonic())
        return tenant

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
        with self._lock:  # revoked here: refused from the next request on
            self._known.clear()
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
