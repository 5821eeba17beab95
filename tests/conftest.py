"""Fixtures on the real broker and database. Unit tests use none of them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shared.database import create_engine, create_session_factory
from shared.settings import DatabaseSettings, TopicSettings
from tests import infra


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for kind in ("integration", "e2e"):
            if f"tests/{kind}/" in str(item.path).replace("\\", "/"):
                item.add_marker(getattr(pytest.mark, kind))


@pytest.fixture(scope="session")
def template_database() -> Iterator[str]:
    """A migrated database that each test's database is cloned from (fast and isolated)."""
    name = infra.unique("boucle_tpl")
    asyncio.run(infra.admin_sql(f'CREATE DATABASE "{name}"'))
    infra.migrate(infra.database_url(name))
    yield name
    asyncio.run(infra.drop_database(name))


@pytest.fixture
async def database_url(template_database: str) -> AsyncIterator[str]:
    name = infra.unique("boucle_test")
    await infra.admin_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
    yield infra.database_url(name)
    await infra.drop_database(name)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(DatabaseSettings(url=database_url, pool_size=2))
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine)


@pytest.fixture
async def topics() -> TopicSettings:
    return await infra.create_topics(infra.unique("t"))
