"""All SQL of API tokens, and the lookup the services verify tokens with."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.auth import Principal, TokenVerifier
from shared.settings import AuthSettings
from shared.tokens.tables import ApiTokenRow

# A lookup on the request path must not hang on a stuck database: past this it is an outage.
LOOKUP_TIMEOUT_S = 2.0


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """What ``list`` shows of a token: everything but its secret."""

    token_id: str
    name: str
    scopes: tuple[str, ...]
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


async def add_token(
    session: AsyncSession, *, name: str, token_hash: str, scopes: Sequence[str]
) -> str | None:
    """The new token's id; None when a token of that name exists already."""
    token_id = str(uuid.uuid4())
    result = await session.execute(
        insert(ApiTokenRow)
        .values(token_id=token_id, name=name, token_hash=token_hash, scopes=list(scopes))
        .on_conflict_do_nothing()
        .returning(ApiTokenRow.token_id)
    )
    return result.scalar_one_or_none()


async def put_token(
    session: AsyncSession, *, name: str, token_hash: str, scopes: Sequence[str]
) -> None:
    """Creates the token, or gives the existing one of that name this secret and these scopes
    and un-revokes it (how the demo token is seeded, again and again)."""
    statement = insert(ApiTokenRow).values(
        token_id=str(uuid.uuid4()), name=name, token_hash=token_hash, scopes=list(scopes)
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[ApiTokenRow.name],
            set_={"token_hash": token_hash, "scopes": list(scopes), "revoked_at": None},
        )
    )


async def all_tokens(session: AsyncSession) -> list[TokenInfo]:
    rows = (await session.execute(select(ApiTokenRow).order_by(ApiTokenRow.name))).scalars()
    return [
        TokenInfo(
            token_id=row.token_id,
            name=row.name,
            scopes=tuple(row.scopes),
            created_at=row.created_at,
            revoked_at=row.revoked_at,
            last_used_at=row.last_used_at,
        )
        for row in rows
    ]


async def revoke(session: AsyncSession, name_or_id: str) -> bool | None:
    """True when revoked now, False when it was already, None when no token has that name or
    id."""
    match = or_(ApiTokenRow.name == name_or_id, ApiTokenRow.token_id == name_or_id)
    found = (await session.execute(select(ApiTokenRow).where(match))).scalar_one_or_none()
    if found is None:
        return None
    if found.revoked_at is not None:
        return False
    found.revoked_at = datetime.now(found.created_at.tzinfo)
    return True


async def use(session: AsyncSession, token_hash: str) -> Principal | None:
    """The unrevoked token of that hash, its last use recorded in the same statement."""
    result = await session.execute(
        update(ApiTokenRow)
        .where(ApiTokenRow.token_hash == token_hash, ApiTokenRow.revoked_at.is_(None))
        .values(last_used_at=func.now())
        .returning(ApiTokenRow.token_id, ApiTokenRow.name, ApiTokenRow.scopes)
    )
    row = result.one_or_none()
    return None if row is None else Principal(row[0], row[1], frozenset(row[2]))


class SqlTokens:
    """The ``TokenLookup`` of the services, over their own engine."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def find(self, token_hash: str) -> Principal | None:
        async with (
            asyncio.timeout(LOOKUP_TIMEOUT_S),
            self._sessions() as session,
            session.begin(),
        ):
            return await use(session, token_hash)


def token_verifier(sessions: async_sessionmaker[AsyncSession], auth: AuthSettings) -> TokenVerifier:
    """What ``require(scope)`` checks Bearer tokens with; each service sets it as
    ``app.state.tokens``."""
    return TokenVerifier(
        SqlTokens(sessions), ttl_s=auth.token_cache_ttl_s, max_stale_s=auth.token_max_stale_s
    )
