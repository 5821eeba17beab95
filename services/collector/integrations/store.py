"""All SQL of the webhook integrations: per-source provider secrets and the edge's receipts."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.collector.integrations.tables import SourceIntegrationRow, WebhookReceiptRow
from services.collector.tables import SourceRow
from shared.cache import DB_ERRORS, ExpiringCache
from shared.errors import DependencyDown

# Receipts outlive every provider's retry schedule (HubSpot workflows retry for three days).
RECEIPT_TTL = timedelta(days=4)


@dataclass(frozen=True, slots=True)
class Integration:
    source_id: str
    provider: str
    secret: str


class IntegrationLookup(Protocol):
    async def find(self, source_id: str) -> Integration | None: ...


class ReceiptBook(Protocol):
    async def seen(self, receipt_ids: Iterable[str]) -> set[str]: ...

    async def record(self, receipt_ids: Iterable[str]) -> None: ...


async def put_integration(
    session: AsyncSession, *, source_id: str, provider: str, secret: str
) -> None:
    statement = insert(SourceIntegrationRow).values(
        source_id=source_id, provider=provider, secret=secret
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[SourceIntegrationRow.source_id],
            set_={"provider": provider, "secret": secret, "updated_at": datetime.now(UTC)},
        )
    )


class IntegrationDirectory:
    """The enabled source's integration, cached for ``ttl_s`` like write keys are."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        ttl_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = sessions
        self._cache: ExpiringCache[str, Integration | None] = ExpiringCache(
            ttl_s=ttl_s, clock=clock
        )

    async def find(self, source_id: str) -> Integration | None:
        return await self._cache.get(source_id, lambda: self._load(source_id))

    async def _load(self, source_id: str) -> Integration | None:
        async with self._sessions() as session:
            row = (
                await session.execute(
                    select(SourceIntegrationRow)
                    .join(SourceRow, SourceRow.source_id == SourceIntegrationRow.source_id)
                    .where(SourceIntegrationRow.source_id == source_id, SourceRow.enabled)
                )
            ).scalar_one_or_none()
        if row is None:
            return None
        return Integration(source_id=row.source_id, provider=row.provider, secret=row.secret)


class Receipts:
    """Signatures and messageIds already taken. Recorded only after Kafka acknowledged, so a
    request that failed with 503 can be sent again as it was."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._recorded = 0

    async def seen(self, receipt_ids: Iterable[str]) -> set[str]:
        wanted = list(dict.fromkeys(receipt_ids))
        if not wanted:
            return set()
        try:
            async with self._sessions() as session:
                result = await session.execute(
                    select(WebhookReceiptRow.receipt_id).where(
                        WebhookReceiptRow.receipt_id.in_(wanted)
                    )
                )
                return set(result.scalars())
        except DB_ERRORS as exc:
            raise DependencyDown("postgres", repr(exc)) from exc

    async def record(self, receipt_ids: Iterable[str]) -> None:
        rows = [{"receipt_id": r} for r in dict.fromkeys(receipt_ids)]
        if not rows:
            return
        try:
            async with self._sessions() as session, session.begin():
                await session.execute(
                    insert(WebhookReceiptRow).values(rows).on_conflict_do_nothing()
                )
                self._recorded += len(rows)
                if self._recorded >= 10_000:  # forget receipts older than any retry, now and then
                    self._recorded = 0
                    await session.execute(
                        delete(WebhookReceiptRow).where(
                            WebhookReceiptRow.received_at < datetime.now(UTC) - RECEIPT_TTL
                        )
                    )
        except DB_ERRORS as exc:
            raise DependencyDown("postgres", repr(exc)) from exc
