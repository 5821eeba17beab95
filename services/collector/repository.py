"""All SQL of the collector."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.collector.tables import SourceRow


async def source_by_key_hash(session: AsyncSession, key_hash: str) -> SourceRow | None:
    result = await session.execute(select(SourceRow).where(SourceRow.write_key_hash == key_hash))
    return result.scalar_one_or_none()


async def all_sources(session: AsyncSession) -> Sequence[SourceRow]:
    result = await session.execute(select(SourceRow).order_by(SourceRow.name))
    return result.scalars().all()


async def add_source(
    session: AsyncSession, *, source_id: str, name: str, kind: str, key_hash: str
) -> bool:
    """Creates the source; False when one of that name exists already."""
    result = await session.execute(
        insert(SourceRow)
        .values(source_id=source_id, name=name, kind=kind, write_key_hash=key_hash, enabled=True)
        .on_conflict_do_nothing()
        .returning(SourceRow.source_id)
    )
    return result.scalar_one_or_none() is not None


async def put_source(
    session: AsyncSession, *, source_id: str, name: str, kind: str, key_hash: str
) -> None:
    """Creates the source, or gives the existing one of that name this key and enables it.
    Putting the same key again changes nothing (a disabled source stays disabled)."""
    statement = insert(SourceRow).values(
        source_id=source_id, name=name, kind=kind, write_key_hash=key_hash, enabled=True
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[SourceRow.name],
            set_={"write_key_hash": key_hash, "kind": kind, "enabled": True},
            where=SourceRow.write_key_hash != statement.excluded.write_key_hash,
        )
    )


async def set_key_hash(session: AsyncSession, name: str, key_hash: str) -> bool:
    result = await session.execute(
        update(SourceRow).where(SourceRow.name == name).values(write_key_hash=key_hash)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]  # CursorResult at runtime


async def set_enabled(session: AsyncSession, name: str, *, enabled: bool) -> bool:
    result = await session.execute(
        update(SourceRow).where(SourceRow.name == name).values(enabled=enabled)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]  # CursorResult at runtime


async def set_origins(session: AsyncSession, name: str, origins: list[str]) -> bool:
    result = await session.execute(
        update(SourceRow).where(SourceRow.name == name).values(allowed_origins=origins)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]  # CursorResult at runtime


async def origin_allowed(session: AsyncSession, origin: str) -> bool:
    """Whether any enabled source lets pages of ``origin`` send (CORS preflights carry no key)."""
    result = await session.execute(
        select(SourceRow.source_id)
        .where(SourceRow.enabled, SourceRow.allowed_origins.contains([origin]))
        .limit(1)
    )
    return result.first() is not None
