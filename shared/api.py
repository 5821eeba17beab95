"""What every service's read API shares: FastAPI dependencies on the process's resources.

The service kit puts the process's session factory in ``app.state``; routes declare what they
need as ``Annotated`` dependencies, so handlers stay plain functions of their inputs and tests
can override any dependency.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
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


def validation_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    """What is wrong, where: never the input itself, which may not even be encodable (a lone
    surrogate in a JSON string made FastAPI's own answer, which echoes the input, a 500)."""
    return [
        {
            "field": ".".join(str(part) for part in error.get("loc", ()) if part != "body")
            or "body",
            "message": str(error.get("msg", "invalid")),
            "type": str(error.get("type", "value_error")),
        }
        for error in exc.errors()
    ]


async def _invalid_request(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"detail": validation_errors(exc)}, status_code=422)


def answer_validation_errors(app: FastAPI) -> None:
    """Every Boucle app answers a request that fails validation with a 422 naming each field."""
    app.add_exception_handler(RequestValidationError, _invalid_request)
