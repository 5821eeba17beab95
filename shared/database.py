"""Async SQLAlchemy engine and session helpers, and the declarative base of every service's tables.

Each service owns one PostgreSQL schema named after it; tables never cross schemas.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import MetaData, text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine
from sqlalchemy.orm import DeclarativeBase

from shared.settings import DatabaseSettings

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def create_engine(settings: DatabaseSettings) -> AsyncEngine:
    return _create_async_engine(
        settings.sqlalchemy_url(),
        pool_size=settings.pool_size,
        pool_pre_ping=True,
        echo=settings.echo,
        connect_args={"ssl": settings.ssl},
    )


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


# SQLSTATEs a retry can cure: 08 connection exceptions, 53 insufficient resources, 57P
# operator intervention (the server shutting down or starting: 57P01-57P03), 40001/40P01 a
# serialization failure or deadlock (the transaction is rolled back and may be run again).
TRANSIENT_SQLSTATE_PREFIXES = ("08", "53", "57P", "40001", "40P01")


def sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of a database error, whatever layer wrapped it."""
    current: BaseException | None = exc
    while current is not None:
        code = getattr(current, "sqlstate", None)
        if isinstance(code, str):
            return code
        current = getattr(current, "orig", None) or current.__cause__
    return None


def is_transient(exc: BaseException) -> bool:
    """True for database failures a retry can cure: lost connections, a server going away or
    starting, deadlocks."""
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    state = sqlstate(exc)
    if state is not None and state.startswith(TRANSIENT_SQLSTATE_PREFIXES):
        return True
    if isinstance(exc, DBAPIError):
        return bool(exc.connection_invalidated)
    return isinstance(exc, OSError)


async def ping(engine: AsyncEngine, *, timeout_s: float = 2.0) -> bool:
    try:
        async with asyncio.timeout(timeout_s), engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except (TimeoutError, OSError, DBAPIError):
        return False
    return True
