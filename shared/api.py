"""What every service's read API shares: FastAPI dependencies on the process's resources.

The service kit puts the process's session factory in ``app.state``; routes declare what they
need as ``Annotated`` dependencies, so handlers stay plain functions of their inputs and tests
can override any dependency.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


async def db_session(request: Request) -> AsyncIterator[AsyncSession]:
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessions
    async with sessions() as session:
        yield session


DbSession = Annotated[AsyncSession, Depends(db_session)]


class ApiModel(BaseModel):
    """A read API's response: camelCase on the wire, like every record Boucle writes."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)
