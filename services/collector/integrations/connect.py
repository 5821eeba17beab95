"""``sources connect``: gives a source the provider and secret its webhooks are checked with."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.collector.integrations.providers import stored_secret
from services.collector.integrations.store import put_integration
from services.collector.tables import SourceRow


async def connect_source(session: AsyncSession, name: str, provider: str, secret: str) -> int:
    source_id = (
        await session.execute(select(SourceRow.source_id).where(SourceRow.name == name))
    ).scalar_one_or_none()
    if source_id is None:
        print(f"no source {name}; create it with `sources add {name} --kind crm|email`")
        return 1
    try:
        kept = stored_secret(provider, secret)
    except ValueError as exc:
        print(f"secret refused: {exc}")
        return 1
    await put_integration(session, source_id=source_id, provider=provider, secret=kept)
    print(f"source {name} receives {provider} webhooks at /v1/hooks/{provider}/{source_id}")
    return 0
