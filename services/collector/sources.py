"""Authenticating senders by write key, with a small cache in front of PostgreSQL.

Write keys are long random tokens, so one SHA-256 is enough to store them safely (a slow password
hash would only slow every request). Known keys stay cached for ``ttl_s``, which also keeps the
collector accepting events from known sources for that long while PostgreSQL is down.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.collector import repository
from shared.cache import ExpiringCache

SOURCE_KINDS = ("web", "server", "crm", "email", "offline")
# Forgotten wholesale when reached, so a flood of random keys cannot grow memory without bound.
MAX_CACHED_KEYS = 10_000


@dataclass(frozen=True, slots=True)
class Source:
    source_id: str
    name: str
    kind: str
    enabled: bool
    allowed_origins: tuple[str, ...] = ()

    def allows_origin(self, origin: str) -> bool:
        return origin in self.allowed_origins or "*" in self.allowed_origins


def hash_key(write_key: str) -> str:
    return hashlib.sha256(write_key.encode()).hexdigest()


def new_write_key() -> str:
    return secrets.token_urlsafe(24)


class Authenticator(Protocol):
    async def authenticate(self, write_key: str) -> Source | None: ...

    async def origin_allowed(self, origin: str) -> bool: ...


class SourceDirectory:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        ttl_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = sessions
        self._keys: ExpiringCache[str, Source | None] = ExpiringCache(
            ttl_s=ttl_s, max_entries=MAX_CACHED_KEYS, clock=clock
        )
        self._origins: ExpiringCache[str, bool] = ExpiringCache(
            ttl_s=ttl_s, max_entries=MAX_CACHED_KEYS, clock=clock
        )

    async def authenticate(self, write_key: str) -> Source | None:
        """The enabled source owning ``write_key``, or None. Raises DependencyDown."""
        key_hash = hash_key(write_key)
        return await self._keys.get(key_hash, lambda: self._load(key_hash))

    async def _load(self, key_hash: str) -> Source | None:
        async with self._sessions() as session:
            row = await repository.source_by_key_hash(session, key_hash)
        if row is None or not row.enabled:
            return None
        return Source(
            source_id=row.source_id,
            name=row.name,
            kind=row.kind,
            enabled=row.enabled,
            allowed_origins=tuple(row.allowed_origins or ()),
        )

    async def origin_allowed(self, origin: str) -> bool:
        """For CORS preflights, which carry no write key: some enabled source allows ``origin``."""
        return await self._origins.get(origin, lambda: self._load_origin(origin))

    async def _load_origin(self, origin: str) -> bool:
        async with self._sessions() as session:
            return await repository.origin_allowed(session, origin) or (
                await repository.origin_allowed(session, "*")
            )
