"""Alembic environment: applies Boucle's migrations with the async engine services use."""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection

import services.attribution.tables
import services.collector.integrations.tables
import services.collector.tables
import services.feedback.tables
import services.sessionizer.tables  # noqa: F401 - registers every table on Base.metadata
import shared.dlq.tables
import shared.tokens.tables  # noqa: F401
from shared.database import Base, create_engine
from shared.settings import DatabaseSettings

SCHEMAS = ("collector", "sessionizer", "attribution", "feedback", "ops", "auth")
target_metadata = Base.metadata


def database_settings() -> DatabaseSettings:
    url = context.config.get_main_option("sqlalchemy.url") or os.environ.get("DATABASE__URL")
    return DatabaseSettings(url=url) if url else DatabaseSettings()


def include_name(name: str | None, kind: str, parents: dict[str, str | None]) -> bool:
    """Only Boucle's own schemas are compared; alembic_version in public is Alembic's."""
    if kind == "schema":
        return name in SCHEMAS
    return True


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_schemas=True,
        include_name=include_name,
        version_table_schema="public",
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_online() -> None:
    engine = create_engine(database_settings())
    async with engine.connect() as connection:
        await connection.run_sync(run)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    context.configure(
        url=database_settings().url,
        target_metadata=target_metadata,
        include_schemas=True,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(run_online())
